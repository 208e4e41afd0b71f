import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../src/main/core/createCore';
import { MediaStore } from '../../src/main/core/media/mediaStore';
import { openTestCore, tempDir } from '../helpers/core';
import { deadPid } from '../helpers/jobs';

/** Another user of the laptop must not read Folio's documents: the data folder is the owner's alone. */
describe.skipIf(process.platform === 'win32')('the data folder on a shared machine', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup();
  });
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('is created 0700 with the database 0600, whatever the umask', async () => {
    const dir = tempDir('folio-private-');
    dirs.push(dir);
    const dataDir = join(dir.path, 'data');
    const previous = process.umask(0o022);
    try {
      const core = await openTestCore(dataDir);
      await core.close();
    } finally {
      process.umask(previous);
    }
    expect(mode(dataDir).toString(8)).toBe('700');
    expect(mode(databaseFile(dataDir)).toString(8)).toBe('600');
  });

  it('tightens a data folder and database an older Folio left readable by everyone', async () => {
    const dir = tempDir('folio-private-');
    dirs.push(dir);
    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir);
    const first = await openTestCore(dataDir);
    await first.close();
    chmodSync(dataDir, 0o755);
    chmodSync(databaseFile(dataDir), 0o644);
    const core = await openTestCore(dataDir);
    await core.close();
    expect(mode(dataDir).toString(8)).toBe('700');
    expect(mode(databaseFile(dataDir)).toString(8)).toBe('600');
  });
});

/** What a killed import left in the staging area goes at the next start; a live process's work stays. */
// Telling a reused pid apart needs /proc (Linux); elsewhere the pid alone decides.
describe.skipIf(!existsSync('/proc/self/stat'))('staging folders after a crash', () => {
  it('removes a dead process’s staging at once, and keeps a live one’s and an unnamed young one', async () => {
    const dir = tempDir('folio-staging-');
    try {
      const media = new MediaStore(join(dir.path, 'data'));
      const mine = await media.createStaging();
      const staging = join(media.root, '.staging');
      const dead = join(staging, `p${deadPid()}-x-${randomUUID()}`);
      const reused = join(staging, `p${process.pid}-000000000000-${randomUUID()}`);
      const unnamed = join(staging, randomUUID());
      for (const d of [dead, reused, unnamed]) mkdirSync(d, { recursive: true });
      await media.collectGarbage(() => true);
      expect(readdirSync(staging).sort()).toEqual([basename(mine), basename(unnamed)].sort());
    } finally {
      dir.cleanup();
    }
  });
});
