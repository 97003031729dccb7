/**
 * The editor tests drive the system's Chromium (/usr/bin/chromium); no browser is downloaded.
 * When it is missing and this runs as root on a Debian-like system, it is installed with
 * apt-get; otherwise this says how to install it and fails, before the tests start.
 */
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const CHROMIUM = '/usr/bin/chromium';

function hasAptGet() {
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && hasAptGet()) {
  console.log(`${CHROMIUM} is missing: installing Debian's chromium with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
  if (existsSync(CHROMIUM)) process.exit(0);
}
console.error(
  `The editor tests need Chromium at ${CHROMIUM}. ` +
    'Install it with: sudo apt-get install chromium',
);
process.exit(1);
