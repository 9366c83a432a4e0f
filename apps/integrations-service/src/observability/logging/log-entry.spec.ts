import { escapeReservedKeys, logEntry } from './log-entry';

describe('logEntry', () => {
  it('puts the message beside the fields', () => {
    expect(logEntry('applied', { count: 2 })).toEqual({ count: 2, message: 'applied' });
    expect(logEntry('opened')).toEqual({ message: 'opened' });
  });

  it('keeps a field named message as _message', () => {
    expect(logEntry('the message', { message: 'a field', _message: 'taken' })).toEqual({
      message: 'the message',
      _message: 'taken',
      __message: 'a field',
    });
  });
});

describe('escapeReservedKeys', () => {
  it('renames only the reserved keys and copies the object', () => {
    const fields = { level: 1, other: 2 };
    const escaped = escapeReservedKeys(fields, new Set(['level', 'time']));
    expect(escaped).toEqual({ other: 2, _level: 1 });
    expect(escapeReservedKeys({ a: 1 }, new Set(['level']))).not.toBe(fields);
  });
});
