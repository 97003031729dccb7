/**
 * The tests of coordinated connections start a real redis-server (/usr/bin/redis-server, or
 * REDIS_SERVER). When it is missing and this runs as root on a Debian-like system, it is
 * installed with apt-get; otherwise this says how to install it and fails, before the tests start.
 */
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';

function hasAptGet() {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (existsSync(REDIS_SERVER)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && hasAptGet()) {
  console.log(`${REDIS_SERVER} is missing: installing Debian's redis-server with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    stdio: 'inherit',
    env,
  });
  if (existsSync(REDIS_SERVER)) process.exit(0);
}
console.error(
  `The tests of coordinated connections need redis-server at ${REDIS_SERVER}. ` +
    'Install it with: sudo apt-get install redis-server',
);
process.exit(1);
