import { ConfigError } from '../config/config.error';
import { parseTenantStores } from './tenant-stores';

describe('parseTenantStores', () => {
  it('leaves every store open when unset', () => {
    expect(parseTenantStores(undefined)).toBeUndefined();
    expect(parseTenantStores('  ')).toBeUndefined();
  });

  it('reads tenant=stores entries, * for the others, an empty list for none', () => {
    const stores = parseTenantStores(' acme = file, env ; globex=vault;;*=;tenant-7=file,file');
    expect(stores).toEqual(
      new Map([
        ['acme', ['env', 'file']],
        ['globex', ['vault']],
        ['*', []],
        ['tenant-7', ['file']],
      ]),
    );
  });

  it.each([
    ['acme', /entries are tenant=store,store/],
    ['=env', /entries are tenant=store,store/],
    ['acme=env;acme=file', /lists tenant 'acme' twice/],
    ['acme=Env', /'Env' \(tenant 'acme'\) is not an AuthRef store name/],
    ['acme=env file', /'env file'/],
  ])('refuses %s at start', (raw, message) => {
    expect(() => parseTenantStores(raw)).toThrow(ConfigError);
    expect(() => parseTenantStores(raw)).toThrow(message);
  });
});
