import { outboundSettingsErrors, outboundSettingsOf, pluginSettings } from './outbound-settings';

describe('settings.outbound', () => {
  it('is optional and kept from the plugin', () => {
    expect(outboundSettingsErrors({ project: 'x' })).toEqual([]);
    const settings = { project: 'x', outbound: { insecureSkipVerify: true, proxy: false } };
    expect(outboundSettingsErrors(settings)).toEqual([]);
    expect(pluginSettings(settings)).toEqual({ project: 'x' });
    expect(outboundSettingsOf(settings)).toEqual({ insecureSkipVerify: true, proxy: false });
  });

  it('refuses what it cannot use, with the field path', () => {
    expect(outboundSettingsErrors({ outbound: 'yes' })).toEqual([
      { path: '/settings/outbound', message: 'must be an object' },
    ]);
    expect(
      outboundSettingsErrors({
        outbound: { ca: 'not a pem', caRef: 'env:X', insecureSkipVerify: 'true', extra: 1 },
      }).map((error) => error.path),
    ).toEqual([
      '/settings/outbound',
      '/settings/outbound/ca',
      '/settings/outbound/caRef',
      '/settings/outbound',
      '/settings/outbound/insecureSkipVerify',
    ]);
    expect(
      outboundSettingsErrors({
        outbound: { ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
      }),
    ).toEqual([
      { path: '/settings/outbound/ca', message: 'certificate 1 is not a valid X.509 certificate' },
    ]);
    expect(outboundSettingsErrors({ outbound: { caRef: 'authref://file/ca.pem' } })).toEqual([]);
  });
});
