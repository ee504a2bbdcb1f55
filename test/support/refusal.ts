/** Why Temporal refused something a test sent (an Update's validator, a workflow that failed): its cause's message. */
export async function refusalOf(sent: Promise<unknown>): Promise<string> {
  try {
    await sent;
  } catch (err) {
    const e = err as { cause?: { message?: string }; message: string };
    return e.cause?.message ?? e.message;
  }
  throw new Error('it was accepted');
}
