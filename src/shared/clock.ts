/** The time now: `() => new Date()` in the service, a fixed or stepped time in tests. */
export type Clock = () => Date;
