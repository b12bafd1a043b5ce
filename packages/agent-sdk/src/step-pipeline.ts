/**
 * What the send and receive pipelines have in common: a list of named steps run in order over
 * one shared state, until a step answers.
 *
 * @module
 */

/**
 * One step: `undefined` to go on to the next step, or the pipeline's answer, which stops it.
 * @typeParam C what the agent lends every run (keys, configuration, caches)
 * @typeParam S one message's state, filled in as the steps run
 * @typeParam A the pipeline's answer (a `Result`)
 */
export type Step<C, S, A> = (ctx: C, s: S) => A | undefined | Promise<A | undefined>;

/** A step and the name the docs and tests know it by. */
export interface NamedStep<C, S, A> {
  readonly name: string;
  readonly run: Step<C, S, A>;
}

/**
 * Runs `steps` in order over `state` and returns the first answer.
 * @param steps the pipeline; its last step must always answer
 * @param ctx passed to every step
 * @param state passed to every step, which may fill it in
 * @returns the first answer
 * @throws Error when no step answered (a pipeline whose last step can pass: a programming error)
 */
export async function runSteps<C, S, A>(
  steps: readonly NamedStep<C, S, A>[],
  ctx: C,
  state: S,
): Promise<A> {
  for (const step of steps) {
    // Most steps answer synchronously; awaiting only real promises saves a microtask hop per
    // step (13 receive + 8 send steps per message).
    let answer = step.run(ctx, state);
    if (answer instanceof Promise) answer = await answer;
    if (answer !== undefined) return answer;
  }
  throw new Error(`pipeline ended after ${steps.at(-1)?.name ?? 'no step'} without an answer`);
}
