import { describe, expect, it } from 'vitest';
import { AppError, createApiClient, createDispatcher, eventNames, events, methodNames, methods, type AppApi } from '../../src/shared/contract';

const project = {
  id: 'p1',
  name: 'Invoices',
  isDemo: false,
  requiredAnnotators: 1,
  documentCount: 0,
  pageCount: 0,
  verifiedCount: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  labels: [],
  questions: [],
};

function fakeApi(overrides: Partial<AppApi>): AppApi {
  const api = {} as Record<string, unknown>;
  for (const m of methodNames) api[m] = async () => {
    throw new Error(`${m} not expected in this test`);
  };
  return { ...(api as AppApi), ...overrides };
}

describe('contract', () => {
  it('has one schema pair per method and one schema per event, and nothing else', () => {
    expect(Object.keys(methods).sort()).toEqual([...methodNames].sort());
    expect(Object.keys(events).sort()).toEqual([...eventNames].sort());
  });

  it('rejects a request that does not match its schema, naming the field, without calling the service', async () => {
    let called = false;
    const dispatch = createDispatcher(
      fakeApi({
        'projects.create': async () => {
          called = true;
          return project;
        },
      }),
    );
    const result = await dispatch('projects.create', { name: 'X', labels: [{ name: 'total', color: 'red' }] });
    expect(called).toBe(false);
    expect(result).toEqual({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringContaining('labels[0].color: must be a colour like #1f77b4'), retryable: false },
    });
  });

  it('refuses unknown methods and extra fields', async () => {
    const dispatch = createDispatcher(fakeApi({}));
    expect(await dispatch('fs.readFile', {})).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch('projects.list', { sneaky: true })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('carries service errors as data and back into AppError on the client', async () => {
    const dispatch = createDispatcher(
      fakeApi({
        'projects.get': async () => {
          throw new AppError('not_found', 'No project with id nope');
        },
        'projects.list': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    const client = createApiClient((method, request) => dispatch(method, request));
    await expect(client['projects.get']({ projectId: 'nope' })).rejects.toMatchObject({ name: 'AppError', code: 'not_found', message: 'No project with id nope', retryable: false });
    await expect(client['projects.list']({})).rejects.toMatchObject({ code: 'internal', message: 'Unexpected error: boom' });
  });

  it('refuses a service answer outside the contract instead of passing it on', async () => {
    const dispatch = createDispatcher(fakeApi({ 'projects.get': async () => ({ ...project, labels: 'not a list' }) as never }));
    const result = await dispatch('projects.get', { projectId: 'p1' });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('projects.get returned data outside the contract') } });
  });

  it('passes valid calls through', async () => {
    const dispatch = createDispatcher(fakeApi({ 'projects.get': async ({ projectId }) => ({ ...project, id: projectId }) }));
    expect(await dispatch('projects.get', { projectId: 'abc' })).toEqual({ ok: true, value: { ...project, id: 'abc' } });
  });
});
