/** The error every VecEnv module throws for a VecEnv that cannot do what was asked. */
export class VecEnvError extends Error {
  override name = 'VecEnvError';
}
