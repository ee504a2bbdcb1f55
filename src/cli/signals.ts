/** Resolves on the first SIGINT or SIGTERM (graceful shutdown), or when `done` settles by itself. */
export function untilSignal(done: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    done.then(stop, (err) => {
      stop();
      reject(err);
    });
  });
}
