import { checkManifest } from './check-manifest';
import { manifestFields } from './manifest-schema';

/** The manifest with its cross-checks (check-manifest.ts), which see the parsed fields. */
export const manifestSchema = manifestFields
  .superRefine((manifest, context) => checkManifest(manifest, context))
  .meta({
    title: 'Countersign workflow manifest',
    description: 'One workflow: who may start it, its inputs, its tools, and who approves what',
  });
