/** Reads a Rundeck job definition file, XML or YAML (the format is told by its first character or name). */
import { readStructured } from '../structured-source';
import type { RundeckJob } from './job-model';
import { readXmlJobs } from './read-xml-job';
import { readYamlJobs } from './read-yaml-job';

/** @throws ImportRefused (located) when the file is not a Rundeck job definition. */
export function readRundeckJob(text: string, file: string, job?: string): RundeckJob {
  if (/\.xml$/i.test(file) || /^\s*</.test(text)) return readXmlJobs(text, file, job);
  return readYamlJobs(readStructured(text, file), job);
}
