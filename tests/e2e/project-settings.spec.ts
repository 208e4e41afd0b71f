import { createProject, expect, test } from './fixtures';

test('project settings: labels and questions are saved and survive a reload; invalid input is explained', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Settings test');
  await page.getByTestId('project-settings-link').click();
  const form = page.getByTestId('project-settings-form');
  await expect(form).toBeVisible();

  const rows = form.getByTestId('label-row');
  await form.getByTestId('add-label').click();
  await rows.nth(0).getByTestId('label-name').fill('Total');
  await expect(rows.nth(0).getByTestId('label-hotkey')).toHaveValue('1');
  await form.getByTestId('add-label').click();
  await rows.nth(1).getByTestId('label-name').fill('Vendor');
  await expect(rows.nth(1).getByTestId('label-hotkey')).toHaveValue('2');
  await rows.nth(1).getByTestId('label-color').fill('#10b981');

  // A hotkey used twice is explained next to the label, and Save refuses.
  await rows.nth(1).getByTestId('label-hotkey').selectOption('1');
  await expect(rows.nth(1).getByTestId('label-error')).toContainText('Hotkey 1 is already used by “Total”');
  await form.getByTestId('project-settings-save').click();
  await expect(form.getByTestId('project-settings-problems')).toBeVisible();
  await rows.nth(1).getByTestId('label-hotkey').selectOption('3');
  await expect(rows.nth(1).getByTestId('label-error')).toHaveCount(0);

  // A label without a name, and an empty project name, are explained too.
  await form.getByTestId('add-label').click();
  await form.getByTestId('project-settings-save').click();
  await expect(rows.nth(2).getByTestId('label-error')).toHaveText('A label needs a name.');
  await rows.nth(2).getByTestId('remove-label').click();
  await form.getByTestId('project-name-field').fill('   ');
  await expect(form.getByTestId('project-name-error')).toHaveText('A project needs a name.');
  await form.getByTestId('project-name-field').fill('Invoices 2025');

  // Questions.
  const questions = form.getByTestId('question-row');
  await form.getByTestId('add-question').click();
  await questions.nth(0).getByTestId('question-text').fill('What is the invoice total?');
  await questions.nth(0).getByTestId('question-required').check();
  await form.getByTestId('add-question').click();
  await questions.nth(1).getByTestId('question-text').fill('Who issued the invoice?');

  // Reorder: Vendor first.
  await rows.nth(1).getByRole('button', { name: 'Move up' }).click();
  await expect(rows.nth(0).getByTestId('label-name')).toHaveValue('Vendor');

  await form.getByTestId('project-settings-save').click();
  await expect(page.getByTestId('toast-success')).toContainText('saved');
  await expect(form.getByTestId('project-settings-error')).toHaveCount(0);
  await expect(page.getByTestId('nav-project-settings')).toBeVisible();

  const assertSaved = async () => {
    await expect(form.getByTestId('project-name-field')).toHaveValue('Invoices 2025');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0).getByTestId('label-name')).toHaveValue('Vendor');
    await expect(rows.nth(0).getByTestId('label-hotkey')).toHaveValue('3');
    await expect(rows.nth(0).getByTestId('label-color')).toHaveValue('#10b981');
    await expect(rows.nth(1).getByTestId('label-name')).toHaveValue('Total');
    await expect(rows.nth(1).getByTestId('label-hotkey')).toHaveValue('1');
    await expect(questions).toHaveCount(2);
    await expect(questions.nth(0).getByTestId('question-text')).toHaveValue('What is the invoice total?');
    await expect(questions.nth(0).getByTestId('question-required')).toBeChecked();
    await expect(questions.nth(1).getByTestId('question-text')).toHaveValue('Who issued the invoice?');
    await expect(questions.nth(1).getByTestId('question-required')).not.toBeChecked();
  };

  await page.reload();
  await expect(page).toHaveURL(new RegExp(`#/projects/${projectId}/settings`));
  await assertSaved();

  // Removing a label and a question is saved too.
  await rows.nth(1).getByTestId('remove-label').click();
  await questions.nth(1).getByTestId('remove-question').click();
  await form.getByTestId('project-settings-save').click();
  await expect(form.getByText('All changes saved')).toBeVisible();
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(questions).toHaveCount(1);

  // The new name shows in the project list.
  await page.getByTestId('nav-projects').click();
  await expect(page.getByTestId('project-card').filter({ hasText: 'Invoices 2025' })).toBeVisible();
});

test('settings: a value the core refuses shows its message next to the form; preferences persist', async ({ page, host }) => {
  await createProject(page, host, 'Prefs');
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-page')).toBeVisible();

  await page.getByTestId('settings-wandb-base-url').fill('not a url');
  await page.getByTestId('settings-wandb-save').click();
  const error = page.getByTestId('settings-wandb-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('baseUrl');

  await page.getByTestId('settings-wandb-base-url').fill('https://wandb.example.com');
  await page.getByTestId('settings-wandb-project').fill('folio-e2e');
  await page.getByTestId('settings-wandb-save').click();
  await expect(error).toHaveCount(0);

  // Keys are write-only: saving one flips the status without ever showing it back.
  await expect(page.getByTestId('secret-anthropicApiKey').getByTestId('key-status')).toHaveText(/Not configured/);
  await page.getByTestId('secret-anthropicApiKey-input').fill('sk-ant-test-0000');
  await page.getByTestId('secret-anthropicApiKey-save').click();
  await expect(page.getByTestId('secret-anthropicApiKey').getByTestId('key-status')).toHaveText(/Configured from settings/);
  await expect(page.getByTestId('secret-anthropicApiKey-input')).toHaveValue('');
  await expect(page.getByTestId('secrets-storage')).not.toBeEmpty();

  await page.getByTestId('theme-dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('settings-annotator-name').fill('Renamed Person');
  await page.getByTestId('settings-annotator-save').click();
  await expect(page.getByTestId('sidebar-user')).toContainText('Renamed Person');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('settings-wandb-base-url')).toHaveValue('https://wandb.example.com');
  await expect(page.getByTestId('settings-wandb-project')).toHaveValue('folio-e2e');
  await expect(page.getByTestId('secret-anthropicApiKey').getByTestId('key-status')).toHaveText(/Configured/);
  await expect(page.getByTestId('settings-annotator-name')).toHaveValue('Renamed Person');
  await expect(page.content()).resolves.not.toContain('sk-ant-test-0000');
});
