import type { KeyObject } from 'node:crypto';
import { createHmac, createSecretKey } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';
import { loadLocalSecret } from '../config/local-secret';
import type { AuditConfig } from './audit.config';
import { AUDIT_HMAC_KEY_VARIABLE } from './audit.config';

/** The embedded mode's key, in the data folder beside the local token secret. */
export const LOCAL_AUDIT_HMAC_KEY_FILE = 'audit-hmac-key';

/**
 * The HMAC-SHA256 (hex) of a credential reference's canonical URI, as the audit trail records it.
 * Under one key the same reference always gives the same HMAC, so entries can be compared (which
 * registrations used this reference? did it change?), while whoever sees the audit table without
 * the key can neither recover a reference nor check a guess of one.
 */
export class ReferenceHmac {
  private constructor(private readonly key: KeyObject) {}

  static fromKey(key: Uint8Array): ReferenceHmac {
    return new ReferenceHmac(createSecretKey(key));
  }

  /**
   * The configured or derived key, or in the embedded mode the data folder's (made at the first
   * start). Rejects when the data folder's key file cannot be read or holds no key.
   */
  static async fromConfig(
    audit: AuditConfig,
    dataDir: string,
    logger: LoggerService,
  ): Promise<ReferenceHmac> {
    const source = audit.hmacKey;
    switch (source.from) {
      case 'AUDIT_HMAC_KEY':
        return ReferenceHmac.fromKey(source.key);
      case 'AUTH_JWT_SECRET':
        logger.log(
          `the audit trail's reference HMACs use a key derived from AUTH_JWT_SECRET: set ${AUDIT_HMAC_KEY_VARIABLE} to keep them comparable across a change of that secret`,
        );
        return ReferenceHmac.fromKey(source.key);
      case 'data-folder': {
        const local = await loadLocalSecret(dataDir, LOCAL_AUDIT_HMAC_KEY_FILE);
        if (local.created) logger.log(`made the audit trail's HMAC key in ${local.file}`);
        if (local.exposed) logger.warn(`${local.file} is readable by other users: chmod 600 it`);
        return ReferenceHmac.fromKey(local.key);
      }
    }
  }

  of(ref: AuthRef): string {
    return createHmac('sha256', this.key).update(ref.uri, 'utf8').digest('hex');
  }
}
