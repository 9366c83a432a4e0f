import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import type { TestBackend } from '../testing/test-backend';
import { ReadinessModule } from '../readiness/readiness.module';
import { createTestBackend } from '../testing/test-backend';
import { DatabaseModule } from './database.module';

const CREDENTIALS_KEY = Buffer.alloc(32, 3).toString('base64');

describe('DatabaseModule', () => {
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await createTestBackend();
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await backend?.dispose();
  });

  it("logs persistence's lines with their fields", async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const config = loadServiceConfig({
      ...backend.env,
      CREDENTIALS_ENCRYPTION_KEY: CREDENTIALS_KEY,
      LOG_LEVEL: 'silent',
    });
    const databaseKind = backend.kind === 'embedded' ? 'embedded' : 'postgres';
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), ReadinessModule, DatabaseModule],
    }).compile();
    await moduleRef.close();

    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({
        message: `database opened (${databaseKind})`,
        kind: databaseKind,
        credentialsEncrypted: true,
      }),
    );
  }, 60_000);
});
