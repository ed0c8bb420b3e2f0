// The last `capacity` items of a stream, oldest first out: what the trade engine remembers for a
// while (finished orders, order ids its books took) without growing for ever. An array with a moving
// head, compacted now and then, so a push costs no allocation beyond the array's own growth.
export class RecentWindow<T> {
  private readonly items: T[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  /** Adds `item`; returns the item that fell out of the window, if one did. */
  push(item: T): T | undefined {
    this.items.push(item);
    if (this.items.length - this.head <= this.capacity) return undefined;
    const old = this.items[this.head++]!;
    if (this.head > 65_536) this.items.splice(0, this.head), (this.head = 0);
    return old;
  }
}
