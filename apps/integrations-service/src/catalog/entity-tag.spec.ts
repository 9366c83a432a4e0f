import { PreconditionFailedError } from '@stellaops/integrations-core';
import { anIntegration } from '@stellaops/integrations-testing';
import { entityTag, expectedVersion, parseIfMatch } from './entity-tag';

describe('entityTag', () => {
  it('is the version as a strong, quoted tag', () => {
    expect(entityTag(7)).toBe('"7"');
  });
});

describe('parseIfMatch', () => {
  it('is undefined without the header', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('reads *, one tag and a list of tags', () => {
    expect(parseIfMatch('*')).toEqual({ any: true });
    expect(parseIfMatch('"3"')).toEqual({ any: false, versions: [3] });
    expect(parseIfMatch(' "3" , "5"')).toEqual({ any: false, versions: [3, 5] });
    expect(parseIfMatch(['"3"', '"4"'])).toEqual({ any: false, versions: [3, 4] });
  });

  it('keeps weak tags and foreign tags out of the versions: they match nothing', () => {
    expect(parseIfMatch('W/"3"')).toEqual({ any: false, versions: [] });
    expect(parseIfMatch('"abc", "007", "3"')).toEqual({ any: false, versions: [3] });
  });

  it('keeps numbers past the integer version column out of the versions: they match nothing', () => {
    expect(parseIfMatch('"2147483647"')).toEqual({ any: false, versions: [2_147_483_647] });
    expect(parseIfMatch('"2147483648"')).toEqual({ any: false, versions: [] });
    expect(parseIfMatch('"999999999999999", "7"')).toEqual({ any: false, versions: [7] });
    expect(parseIfMatch(`"${'9'.repeat(40)}"`)).toEqual({ any: false, versions: [] });
  });

  it.each(['3', '"3', '3"', '', ' ', '"a"b"', '*, "3"', 'W/3', '"3",,'])(
    'refuses the malformed %j with a 412',
    (header) => {
      expect(() => parseIfMatch(header)).toThrow(PreconditionFailedError);
    },
  );
});

describe('expectedVersion', () => {
  const current = anIntegration({ version: 4 });

  it('makes no condition without If-Match or with *', () => {
    expect(expectedVersion(undefined, current)).toBeUndefined();
    expect(expectedVersion({ any: true }, current)).toBeUndefined();
  });

  it('conditions the change on the current version when the caller named it', () => {
    expect(expectedVersion({ any: false, versions: [2, 4] }, current)).toBe(4);
  });

  it('fails with a 412 naming the current ETag when the caller read another version', () => {
    expect(() => expectedVersion({ any: false, versions: [3] }, current)).toThrow(
      PreconditionFailedError,
    );
    expect(() => expectedVersion({ any: false, versions: [] }, current)).toThrow(/"4"/);
  });
});
