import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createStore } from '../../../proxy-core/history/store.js';
import { spawnProcess, withGuard } from '../../helpers/process-spawn.js';
import { closeFirst, problems, sqlite, sqliteValue, tempHistoryFile } from './fixtures.js';

const WRITER = fileURLToPath(new URL('../../fixtures/history/batch-writer.js', import.meta.url));
const ROWS = 237;

// Killed after a few different numbers of batches, so the kill lands at different points of a
// write: between batches, inside a transaction, during a checkpoint.
for (const after of [15, 40, 75]) {
  test(`a writer killed with SIGKILL after ${after} batches leaves a clean file of whole batches`, async (t) => {
    const file = tempHistoryFile(t);
    const child = spawnProcess(t, process.execPath, [WRITER, file, String(ROWS)]);
    await child.line('stdout', new RegExp(`^batch ${after}$`));
    process.kill(child.pid, 'SIGKILL');
    const exit = await withGuard(child.exited, 'the killed writer to exit');
    assert.equal(exit.signal, 'SIGKILL');

    // The shell opens it first: it replays the WAL a killed process left behind.
    assert.equal(sqliteValue(file, 'PRAGMA quick_check'), 'ok');
    const rows = sqliteValue(file, 'SELECT count(*) FROM requests');
    assert.equal(typeof rows, 'number');
    assert.equal((rows as number) % ROWS, 0, `${String(rows)} rows is a whole number of batches`);
    assert.ok((rows as number) >= after * ROWS);
    // Every batch went in whole: each batch number has all its rows.
    assert.deepEqual(
      sqlite(
        file,
        `SELECT bytes_in AS batch, count(*) AS n FROM requests GROUP BY bytes_in HAVING n != ${ROWS}`,
      ),
      [],
    );

    const heard = problems();
    const store = createStore({ file, onProblem: heard.onProblem });
    closeFirst(t, () => {
      store.close();
    });
    assert.equal(store.count({}), rows);
    assert.deepEqual(heard.messages, [], 'it opens clean');
  });
}
