import { checkContractVersion, CONTRACT_VERSION } from './contract-version';

describe('checkContractVersion', () => {
  it('accepts the version this package describes', () => {
    expect(CONTRACT_VERSION).toMatch(/^\d+\.\d+$/);
    expect(checkContractVersion(CONTRACT_VERSION)).toEqual({ compatible: true });
  });

  it('accepts an older minor version of the same major', () => {
    expect(checkContractVersion('1.0', '1.3')).toEqual({ compatible: true });
    expect(checkContractVersion('1.3', '1.3')).toEqual({ compatible: true });
  });

  it('refuses a newer minor version and says to upgrade the service', () => {
    expect(checkContractVersion('1.4', '1.3')).toEqual({
      compatible: false,
      reason: "contract version 1.4 is newer than the host's 1.3: upgrade the service",
    });
  });

  it('compares minor versions as numbers', () => {
    expect(checkContractVersion('1.9', '1.10').compatible).toBe(true);
    expect(checkContractVersion('1.10', '1.9').compatible).toBe(false);
  });

  it('refuses another major version, older or newer', () => {
    expect(checkContractVersion('2.0', '1.0')).toEqual({
      compatible: false,
      reason: "contract major version 2 differs from the host's 1",
    });
    expect(checkContractVersion('0.9', '1.0').compatible).toBe(false);
  });

  it('compares major versions as numbers', () => {
    expect(checkContractVersion('01.0', '1.0').compatible).toBe(true);
  });

  it.each(['', '1', '1.0.0', 'v1.0', '1.x', ' 1.0'])(
    'refuses the malformed version %j',
    (version) => {
      expect(checkContractVersion(version, '1.0')).toEqual({
        compatible: false,
        reason: `contract version '${version}' is not of the form MAJOR.MINOR`,
      });
    },
  );

  it('blames a malformed host version on the host', () => {
    expect(checkContractVersion('1.0', 'one')).toEqual({
      compatible: false,
      reason: "the host's contract version 'one' is not of the form MAJOR.MINOR",
    });
  });
});
