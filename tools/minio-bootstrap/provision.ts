/** Creates the identities of lib/runtime/identities.ts in MinIO, through the admin API (admin.ts). */
import { type Buckets, IDENTITY_NAMES, type IdentityCredentials, policyFor, policyName } from "../../lib/runtime/identities.js";
import { type AdminTarget, putPolicy, putUser, setUserPolicy } from "./admin.js";

/**
 * Creates or updates every identity in MinIO: its canned policy, its user and secret, and the attachment.
 * Idempotent, so the bootstrap runs it on every start; a changed secret in the env file takes effect here.
 */
export async function provisionIdentities(admin: AdminTarget, creds: IdentityCredentials, b: Buckets): Promise<void> {
  for (const name of IDENTITY_NAMES) {
    const { user, secret } = creds[name];
    if (user === admin.accessKey) throw new Error(`the ${name} identity must not be the MinIO root user`);
    await putUser(admin, user, secret);
    const policy = policyFor(name, b);
    if (policy) {
      await putPolicy(admin, policyName(name), policy);
      await setUserPolicy(admin, user, policyName(name));
    }
  }
}
