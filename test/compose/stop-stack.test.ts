import { stopStack } from '../../src/compose/stop-stack';

describe('the stop stack', () => {
  it('stops what was started last first, each once, one after another', async () => {
    const stack = stopStack(1_000);
    const order: string[] = [];
    for (const piece of ['stores', 'workers', 'server']) {
      stack.push(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(piece);
      });
    }
    await stack.stopAll();
    await stack.stopAll();
    expect(order).toEqual(['server', 'workers', 'stores']);
  });

  it('gives every stop what is left of one shared deadline', async () => {
    let now = 0;
    const stack = stopStack(1_000, () => now);
    const left: number[] = [];
    stack.push((remaining) => {
      left.push(remaining());
    });
    stack.push((remaining) => {
      left.push(remaining());
      now += 1_500; // this stop overran the whole timeout
    });
    stack.push((remaining) => {
      left.push(remaining());
      now += 400;
    });
    await stack.stopAll();
    expect(left).toEqual([1_000, 600, 0]);
  });
});
