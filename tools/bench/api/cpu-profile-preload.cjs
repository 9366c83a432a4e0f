// Loaded with `node --require` into a server under test when BENCH_CPU_PROFILE_DIR is set. The
// first SIGUSR2 starts the V8 sampling profiler, the next one stops it and writes a .cpuprofile,
// so that only the measured window is profiled (not start-up, seeding or warm-up). `--cpu-prof`
// cannot do this, and Nest's shutdown hook ends the process by re-raising SIGTERM, which would
// skip `--cpu-prof`'s write at exit anyway.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let profiling = false;
  let written = 0;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  const toggle = async () => {
    if (!profiling) {
      profiling = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      return;
    }
    const { profile } = await post('Profiler.stop');
    profiling = false;
    const file = path.join(dir, `${process.pid}-${written++}.cpuprofile`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(profile));
    fs.renameSync(`${file}.tmp`, file);
  };
  process.on('SIGUSR2', () => {
    toggle().catch((error) => process.stderr.write(`cpu profile: ${error.message}\n`));
  });
}
