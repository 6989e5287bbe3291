/**
 * The image the models currently look at. A new image is decoded and preprocessed once; every later
 * classification of it (the keep ratio moved) reuses the tensor. Generic and DOM-free so the rule is unit-tested.
 */
export class LatestInput<T> {
  private pending: { id: number; blob: Blob; name: string } | null = null;
  private preparedId = -1;
  private value: T | null = null;

  /** A new image arrived with request `id` (the last one wins; it is prepared when next needed). */
  offer(id: number, blob: Blob, name: string): void {
    this.pending = { id, blob, name };
  }

  /**
   * The input for a classification: `prepare` runs only when an image newer than the prepared one arrived.
   * If it fails, that image is not tried again and the previous input stays current.
   */
  async current(prepare: (blob: Blob, name: string) => Promise<T>): Promise<{ value: T; fresh: boolean }> {
    const p = this.pending;
    if (p && p.id > this.preparedId) {
      this.preparedId = p.id;
      this.value = await prepare(p.blob, p.name);
      return { value: this.value, fresh: true };
    }
    if (this.value === null) throw new Error('no image yet');
    return { value: this.value, fresh: false };
  }

  /** True once an input exists (a failed first image leaves none). */
  get hasValue(): boolean {
    return this.value !== null;
  }

  get currentValue(): T | null {
    return this.value;
  }

  /** A new model: its card may preprocess differently, so the latest image is prepared again. */
  invalidate(): void {
    this.preparedId = -1;
    this.value = null;
  }
}
