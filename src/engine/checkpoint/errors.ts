/** A file that cannot be read as a checkpoint; the message is meant for the user as is. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
