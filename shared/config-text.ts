// A config problem as the tray and the dashboard write it: each issue as one
// `FILE:LINE:COLUMN: KEY: message` line, the wording of proxy-core's ConfigError. Pure.

import type { ConfigProblem, ConfigProblemIssue } from './bridge.js';

/**
 * One issue as a line: `memex.yml:7:3: upstreams.openai: message`, without the parts that are
 * unknown (no column, no line, no file, or no key).
 */
export function issueText(file: string, issue: ConfigProblemIssue): string {
  const where =
    issue.line === undefined
      ? file
      : issue.column === undefined
        ? `${file}:${issue.line}`
        : `${file}:${issue.line}:${issue.column}`;
  return where === '' ? keyedMessage(issue) : `${where}: ${keyedMessage(issue)}`;
}

/** What is wrong without where: `upstreams.openai: message` (the message alone for no key). */
export function keyedMessage(issue: ConfigProblemIssue): string {
  return issue.key === '' ? issue.message : `${issue.key}: ${issue.message}`;
}

/** Every issue, one line each. */
export function configProblemText(problem: ConfigProblem): string {
  return problem.issues.map((issue) => issueText(problem.file, issue)).join('\n');
}
