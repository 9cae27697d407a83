import { type Connection, Document, type Model, type Query, type Schema } from 'mongoose';
import type { Redactor } from '../shared/redactor';

/**
 * The redactor of each connection. Mongoose applies a connection's plugins to the model's
 * schema, once per schema object for the whole process (schemas here are module-level and
 * shared by every connection): a redactor captured by the plugin would serve every later
 * connection. So the hooks look up the redactor of the connection they write through.
 */
const redactors = new WeakMap<Connection, Redactor>();

const UPDATES: (
  | 'findOneAndUpdate'
  | 'updateOne'
  | 'updateMany'
  | 'replaceOne'
  | 'findOneAndReplace'
)[] = ['findOneAndUpdate', 'updateOne', 'updateMany', 'replaceOne', 'findOneAndReplace'];

type AnyDocument = Document & { db?: Connection };

function scrubDocument(doc: AnyDocument, redactor: Redactor): void {
  const stored = doc.toObject({
    depopulate: true,
    virtuals: false,
    getters: false,
    transform: false,
  });
  for (const [path, value] of Object.entries(stored)) {
    const scrubbed = redactor.scrubDeep(value);
    if (scrubbed !== value) doc.set(path, scrubbed);
  }
}

function scrubPlain(doc: unknown, redactor: Redactor): unknown {
  if (doc instanceof Document) {
    scrubDocument(doc, redactor);
    return doc;
  }
  return redactor.scrubDeep(doc);
}

/**
 * Scrubs every secret value from what mongoose writes: documents saved or created, documents of
 * `insertMany`, and the update (never the filter) of update and replace queries. Writes through
 * the driver's collection (`model.collection`) do not pass here: the audit log writes that way,
 * scrubbing each event before it is hashed.
 */
export function redactPlugin(schema: Schema): void {
  schema.pre('save', function (this: AnyDocument) {
    const redactor = this.db && redactors.get(this.db);
    if (redactor?.size) scrubDocument(this, redactor);
  });
  schema.pre('insertMany', function (this: Model<unknown>, docs: unknown) {
    const redactor = redactors.get(this.db);
    if (!redactor?.size) return;
    const all: unknown[] = Array.isArray(docs) ? docs : [docs];
    all.forEach((doc, index) => {
      const scrubbed = scrubPlain(doc, redactor);
      if (scrubbed === doc) return;
      if (Array.isArray(docs)) docs[index] = scrubbed;
      else Object.assign(doc as object, scrubbed); // one document, changed where it stands
    });
  });
  schema.pre(UPDATES, { document: false, query: true }, function (this: Query<unknown, unknown>) {
    const redactor = redactors.get(this.model.db);
    const update = this.getUpdate();
    if (!redactor?.size || update === null) return;
    const scrubbed = redactor.scrubDeep(update);
    if (scrubbed !== update) this.setUpdate(scrubbed);
  });
}

/**
 * Scrubs every write through `connection`'s models with `redactor`; call before compiling them.
 * The plugin is registered even without a redactor: the first connection to compile a shared
 * schema is the only one whose plugins it gets.
 */
export function redactWrites(connection: Connection, redactor: Redactor | undefined): void {
  if (redactor) redactors.set(connection, redactor);
  connection.plugin(redactPlugin);
}
