import fc from 'fast-check';
import { REDACTED, redactionForms, redactSecrets } from './redact-secrets';

describe('redactSecrets', () => {
  it('replaces every occurrence in strings, arrays and nested plain objects', () => {
    const redacted = redactSecrets(
      {
        message: 'sent hunter2 and hunter2 again',
        header: 'Bearer hunter2',
        nested: { list: ['x-hunter2-y', 3, null, true], deeper: { value: 'hunter2' } },
        count: 7,
      },
      ['hunter2'],
    );
    expect(redacted).toEqual({
      message: `sent ${REDACTED} and ${REDACTED} again`,
      header: `Bearer ${REDACTED}`,
      nested: { list: [`x-${REDACTED}-y`, 3, null, true], deeper: { value: REDACTED } },
      count: 7,
    });
  });

  it('replaces a longer secret whole when it contains a shorter one', () => {
    expect(redactSecrets('key=abc123456', ['abc', 'abc123456'])).toBe(`key=${REDACTED}`);
  });

  it("keeps only an error's name and redacted message", () => {
    const error = new TypeError('refused token s3cr3t');
    expect(redactSecrets({ error }, ['s3cr3t'])).toEqual({
      error: { name: 'TypeError', message: `refused token ${REDACTED}` },
    });
  });

  it('logs other objects as their redacted string form', () => {
    const url = new URL('https://user:s3cr3t@example.test/');
    expect(redactSecrets({ url }, ['s3cr3t'])).toEqual({
      url: `https://user:${REDACTED}@example.test/`,
    });
  });

  it('cuts off structures nested deeper than it inspects', () => {
    let deep: Record<string, unknown> = { value: 's3cr3t' };
    for (let i = 0; i < 10; i++) deep = { inner: deep };
    expect(JSON.stringify(redactSecrets(deep, ['s3cr3t']))).not.toContain('s3cr3t');
  });

  it('returns the input unchanged when there is nothing to redact', () => {
    const fields = { message: 'hello' };
    expect(redactSecrets(fields, [])).toBe(fields);
    expect(redactSecrets(fields, [''])).toBe(fields);
  });
});

describe('redactionForms', () => {
  const secret = 'p@ss wörd/"1"+&=:';

  it('covers the secret as it is, JSON-escaped, URL-encoded and in base64', () => {
    const forms = redactionForms(secret);
    const userinfo = new URL('https://host.test/');
    userinfo.password = secret;
    expect(forms).toEqual(
      expect.arrayContaining([
        secret,
        JSON.stringify(secret).slice(1, -1),
        encodeURIComponent(secret),
        new URLSearchParams({ a: secret }).toString().slice(2),
        userinfo.password,
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ]),
    );
  });

  it('redacts a Basic auth header, a URL with userinfo, a query and a JSON body', () => {
    const basic = Buffer.from(`robot$acme:${secret}`).toString('base64');
    const url = new URL('https://registry.test/v2/');
    url.username = 'robot';
    url.password = secret;
    const text = JSON.stringify({
      headers: { authorization: `Basic ${basic}` },
      url: url.href,
      query: `token=${encodeURIComponent(secret)}&x=1`,
      body: JSON.stringify({ password: secret }),
    });
    const redacted = redactSecrets({ text, url }, redactionForms(secret));
    const decoded = (encoded: string) => Buffer.from(encoded, 'base64').toString('latin1');
    expect(redacted.text).not.toContain(basic);
    expect(decoded(/Basic ([^"\\]+)/.exec(redacted.text)?.[1] ?? '')).not.toContain('wörd');
    expect(redacted.text).not.toContain(url.password);
    expect(redacted.text).not.toContain(encodeURIComponent(secret));
    expect(redacted.text).not.toContain(JSON.stringify(JSON.stringify(secret)).slice(1, -1));
    expect(String(redacted.url)).toBe(`https://robot:${REDACTED}@registry.test/v2/`);
  });

  it('leaves short base64 fragments of a short secret alone, but never the secret', () => {
    expect(redactionForms('ab')).toEqual(expect.arrayContaining(['ab', 'YWI=']));
    expect(redactionForms('ab').every((form) => form.length >= 2)).toBe(true);
    expect(redactionForms('')).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[[\]]/g, (char) => `\\${char}`);
}

describe('redactSecrets with redactionForms (properties)', () => {
  // A secret of 8+ characters, none of which could be confused with the marker that replaces it.
  const secretArb = fc
    .string({ unit: 'grapheme', minLength: 8, maxLength: 40 })
    .filter((secret) => !/[[\]]/.test(secret) && !REDACTED.includes(secret));
  const textArb = fc.string({ unit: 'grapheme', maxLength: 30 });
  const userArb = fc
    .string({ unit: 'grapheme-ascii', maxLength: 20 })
    .filter((u) => !u.includes(':'));

  const encodings: Record<string, (secret: string, user: string) => string> = {
    plain: (secret) => secret,
    'base64 of user:secret (Basic auth)': (secret, user) =>
      Buffer.from(`${user}:${secret}`).toString('base64'),
    'base64 of the secret': (secret) => Buffer.from(secret).toString('base64'),
    'base64url of the secret': (secret) => Buffer.from(secret).toString('base64url'),
    encodeURIComponent: (secret) => encodeURIComponent(secret),
    'form encoding': (secret) => new URLSearchParams({ p: secret }).toString().slice(2),
    'JSON-escaped': (secret) => JSON.stringify(secret).slice(1, -1),
    "a URL's userinfo": (secret, user) => {
      const url = new URL('https://host.test/path');
      url.username = encodeURIComponent(user);
      url.password = secret;
      return url.href;
    },
  };

  it.each(Object.entries(encodings))('hides the secret sent as %s', (_, encode) => {
    fc.assert(
      fc.property(secretArb, userArb, textArb, textArb, (secret, user, before, after) => {
        const encoded = encode(secret, user);
        const redacted = redactSecrets(`${before}${encoded}${after}`, redactionForms(secret));
        expect(redacted).not.toContain(encoded);
        expect(redacted).not.toContain(secret);
        expect(redacted).toContain(REDACTED);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps of a Basic auth header no character that carries bits of the secret', () => {
    fc.assert(
      fc.property(secretArb, userArb, (secret, user) => {
        const header = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
        const redacted = redactSecrets(header, redactionForms(secret));
        // The characters before the marker encode `user:` and at most the first bits of the secret.
        const userBytes = Buffer.byteLength(`${user}:`);
        expect(redacted).toMatch(new RegExp(`^Basic [A-Za-z0-9+/]*${escape(REDACTED)}$`));
        expect(redacted.length - 'Basic '.length - REDACTED.length).toBeLessThanOrEqual(
          Math.ceil((userBytes * 8) / 6),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing in text that holds none of the forms', () => {
    fc.assert(
      fc.property(secretArb, textArb, (secret, text) => {
        const forms = redactionForms(secret);
        fc.pre(forms.every((form) => !text.includes(form)));
        expect(redactSecrets(text, forms)).toBe(text);
      }),
    );
  });
});
