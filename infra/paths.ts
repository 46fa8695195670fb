/** Where the CDK app finds the project's files: by path only (infra/ imports no runtime code). */
import { fileURLToPath } from 'node:url';

/** The repository root (holds package.json, package-lock.json and tsconfig.json). */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** A file of the project, by its path from the root. */
export const projectPath = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
