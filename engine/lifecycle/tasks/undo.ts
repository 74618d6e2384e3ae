// Undo stack for multi-step acquisitions (containerd task_manager.go Create):
// push an undo right after each acquisition; on failure run them in reverse.
// Undo errors are logged, never replace the first error.
export class Undo {
  private readonly steps: { what: string; fn: () => unknown }[] = [];

  push(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn });
  }

  /** Success: keep everything. */
  dismiss(): void {
    this.steps.length = 0;
  }

  async run(log: (msg: string) => void): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.fn();
      } catch (e) {
        log(`undo ${step.what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
