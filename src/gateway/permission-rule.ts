/**
 * The permission-rule syntax is the manifest's (`gateway.risk` lists), so it lives in
 * workflows/permission-rule.ts, where validation reads it; the gateway's files import it from here.
 */
export {
  type BashPattern,
  PATH_TOOLS,
  type ParsedRule,
  type PathTool,
  type PermissionRule,
  parsePermissionRule,
} from '../workflows/permission-rule';
