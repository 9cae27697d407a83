import type { Logger } from 'pino';
import { type ApprovalRecord, cardOn, cardsOf } from './approval';
import type {
  ApprovalRepository,
  ApprovalSurface,
  ApprovalSurfaces,
  ApprovalTimers,
} from './ports';

export interface ApprovalCardsDeps {
  surfaces: ApprovalSurfaces;
  /** Retries a card update a surface refused. */
  timers: Pick<ApprovalTimers, 'retryCardUpdate'>;
  log: Logger;
}

/** The surfaces as a list, however many were given. */
export function surfacesOf(surfaces: ApprovalSurfaces): ApprovalSurface[] {
  return Array.isArray(surfaces) ? surfaces : [surfaces];
}

/**
 * Posts the approval's card on each surface that has none yet, each recorded as soon as it is
 * posted: a crash after that posts only the missing ones again.
 */
export async function postCards(
  deps: { approvals: ApprovalRepository; surfaces: ApprovalSurfaces },
  approval: ApprovalRecord,
): Promise<ApprovalRecord> {
  let cards = cardsOf(approval);
  for (const surface of surfacesOf(deps.surfaces)) {
    if (cardOn(approval, surface.name) !== undefined) continue;
    const card = { surface: surface.name, ref: await surface.postCard(approval) };
    await deps.approvals.addCard(approval.id, card);
    cards = [...cards, card];
  }
  return cards.length === cardsOf(approval).length ? approval : { ...approval, cards };
}

/**
 * Every card shows where the approval stands. The decision stands whatever a surface answers; an
 * update it refuses (after its client's own retries) is handed to the queue, which retries it with
 * backoff.
 */
export async function showOnCards(
  deps: ApprovalCardsDeps,
  approval: ApprovalRecord,
): Promise<void> {
  try {
    await refreshCards(deps.surfaces, approval);
  } catch (error) {
    deps.log.warn(
      { err: error, approvalId: approval.id },
      'could not update the approval card; retrying it later',
    );
    await deps.timers
      .retryCardUpdate(approval)
      .catch((queueError) =>
        deps.log.error(
          { err: queueError, approvalId: approval.id },
          'could not queue the card update; the card shows an old state',
        ),
      );
  }
}

/**
 * Updates each card on the surface that posted it; every surface is tried, and the first refusal
 * is thrown after. A card whose surface is no longer configured is left as it is.
 */
export async function refreshCards(
  surfaces: ApprovalSurfaces,
  approval: ApprovalRecord,
): Promise<void> {
  const failures: unknown[] = [];
  for (const surface of surfacesOf(surfaces)) {
    const card = cardOn(approval, surface.name);
    if (card === undefined) continue;
    await surface.updateCard(approval, card).catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}

/** A direct message to each of `users`, on every surface. */
export async function tellApprovers(
  surfaces: ApprovalSurfaces,
  users: string[],
  approval: ApprovalRecord,
  what: 'reminder' | 'escalation',
): Promise<void> {
  for (const surface of surfacesOf(surfaces)) await surface.tellPrivately(users, approval, what);
}
