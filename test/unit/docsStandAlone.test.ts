/**
 * The project's docs stand alone: no file of the repository sends a reader to the background documents outside it
 * (a protocol specification, architecture or environment notes kept elsewhere), and every relative link of a
 * Markdown file leads to a file of the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tracked = repositoryFiles().filter((file) => existsSync(join(root, file)));
const texts = tracked.filter((file) => /\.(md|ts|cjs|mjs|json)$/.test(file) && !file.endsWith('package-lock.json'));

/** The files git tracks; outside a git checkout, every file but the installed and generated folders. */
function repositoryFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    const generated = /(^|\/)(node_modules|dist|cdk\.out|coverage|\.git)(\/|$)/;
    return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => !generated.test(file));
  }
}

it('no file of the repository points at the background documents outside it', () => {
  // Act
  const pointers = texts.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, at) =>
        /\b(PROTOCOL|ARCHITECTURE|ENVIRONMENT)\.md\b|\bworkplace\b/.test(line) ? [`${file}:${at + 1}`] : [],
      ),
  );

  // Assess
  expect(pointers).toEqual([]);
});

it('every relative link of a Markdown file leads to a file of the repository', () => {
  // Act
  const broken = tracked
    .filter((file) => file.endsWith('.md'))
    .flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
        .filter((target) => {
          const path = resolve(root, dirname(file), decodeURI(target));
          return relative(root, path).startsWith('..') || !existsSync(path);
        })
        .map((target) => `${file}: ${target}`),
    );

  // Assess
  expect(broken).toEqual([]);
});
