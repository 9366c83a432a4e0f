// One PGlite start, in its own process, for the candidate comparison: prints JSON with the time
// to a first answer and the process's RSS. Args: <dataDir> [templateFile]
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const [dataDir, template, dumpTo] = process.argv.slice(2);
const started = performance.now();
const pglite = await PGlite.create({
  dataDir,
  ...(template ? { loadDataDir: new Blob([fs.readFileSync(template)]) } : {}),
});
await pglite.query('SELECT 1');
const readyMs = performance.now() - started;
if (dumpTo) {
  const dump = await pglite.dumpDataDir('none');
  fs.writeFileSync(dumpTo, Buffer.from(await dump.arrayBuffer()));
}
const rssMb = process.memoryUsage().rss / 2 ** 20;
await pglite.close();
process.stdout.write(JSON.stringify({ readyMs, rssMb }));
