import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../../test/support/problems.js';
import { renderTasks } from './render.js';
import { validatePipeline } from './validate.js';

const pipeline = (tasks: Record<string, unknown>, params?: Record<string, unknown>) => ({ kind: 'Pipeline', name: 'p', ...(params && { params }), tasks });

describe("a task's dockerfile and requirements", () => {
  it('are kept, normalised, for a docker task and substituted like its image', () => {
    const spec = validatePipeline(
      pipeline(
        {
          built: { command: 'true', executor: 'docker', dockerfile: './env/{flavour}.Dockerfile' },
          reqs: { command: 'true', executor: 'docker', image: 'python:3.11', requirements: 'env/../requirements.txt' },
        },
        { flavour: 'cpu' },
      ),
    );
    expect(spec.tasks.find((t) => t.name === 'built')).toMatchObject({ dockerfile: 'env/{flavour}.Dockerfile' });
    expect(spec.tasks.find((t) => t.name === 'reqs')).toMatchObject({ image: 'python:3.11', requirements: 'requirements.txt' });
    const rendered = renderTasks(spec, { flavour: 'gpu' });
    expect(rendered.get('built')).toMatchObject({ dockerfile: 'env/gpu.Dockerfile', usedParams: ['flavour'] });
    expect(rendered.get('reqs')).toMatchObject({ image: 'python:3.11', requirements: 'requirements.txt' });
  });

  it('are refused on other executors and on inline trainings, naming the field', () => {
    expect(
      problemsOf(() =>
        validatePipeline(
          pipeline({
            local: { command: 'true', dockerfile: 'Dockerfile' },
            slurm: { command: 'true', executor: 'slurm', requirements: 'requirements.txt' },
            inline: { training: { toolchain: 'command', command: 'true', model: { name: 'm', version: '1' } }, dockerfile: 'Dockerfile' },
          }),
        ),
      ),
    ).toEqual([
      'tasks.local.dockerfile: only for executor: docker (this task runs on the local executor, which builds no image)',
      'tasks.slurm.requirements: only for executor: docker (this task runs on the slurm executor, which builds no image)',
      'tasks.inline.dockerfile: set it inside training: an inline training takes its dockerfile from its own spec',
    ]);
  });

  it('must be files inside the work directory: no absolute path, no ..', () => {
    expect(
      problemsOf(() =>
        validatePipeline(
          pipeline({
            abs: { command: 'true', executor: 'docker', dockerfile: '/etc/Dockerfile' },
            up: { command: 'true', executor: 'docker', image: 'x', requirements: 'sub/../../requirements.txt' },
            dot: { command: 'true', executor: 'docker', dockerfile: './' },
            empty: { command: 'true', executor: 'docker', dockerfile: '' },
          }),
        ),
      ),
    ).toEqual([
      'tasks.empty.dockerfile: expected string length greater or equal to 1 (Dockerfile to build the task\'s image from, relative to its work directory (executor: docker))',
      "tasks.abs.dockerfile: '/etc/Dockerfile' must be a relative path inside the source",
      "tasks.up.requirements: 'sub/../../requirements.txt' leaves the workspace ('..' is not allowed)",
      "tasks.dot.dockerfile: './' must name a file inside the task's work directory",
    ]);
  });

  it('are checked again after parameter substitution', () => {
    const spec = validatePipeline(pipeline({ t: { command: 'true', executor: 'docker', dockerfile: '{dir}/Dockerfile' } }, { dir: 'env' }));
    expect(problemsOf(() => renderTasks(spec, { dir: '..' }))).toEqual(["tasks.t.dockerfile: '../Dockerfile' leaves the workspace ('..' is not allowed)"]);
    expect(problemsOf(() => renderTasks(spec, { dir: '/etc' }))).toEqual(["tasks.t.dockerfile: '/etc/Dockerfile' must be a relative path inside the source"]);
  });

  it('go with image as a Dockerfile does not: a Dockerfile names its own base and installs its own requirements', () => {
    expect(problemsOf(() => validatePipeline(pipeline({ t: { command: 'true', executor: 'docker', image: 'x', dockerfile: 'Dockerfile', requirements: 'r.txt' } })))).toEqual([
      'tasks.t.requirements: give dockerfile or requirements, not both: a Dockerfile installs its own requirements',
      "tasks.t.image: not used with dockerfile: the Dockerfile's FROM names the base image",
    ]);
  });
});
