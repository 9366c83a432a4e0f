import { ConfigError } from '../../config/config.error';
import { loadLoggingConfig } from './logging.config';

describe('loadLoggingConfig', () => {
  it('defaults to info, auto', () => {
    expect(loadLoggingConfig({})).toEqual({ level: 'info', format: 'auto' });
  });

  it('reads LOG_LEVEL and LOG_FORMAT in any case', () => {
    expect(loadLoggingConfig({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'Pretty' })).toEqual({
      level: 'debug',
      format: 'pretty',
    });
  });

  it('refuses a format it does not know, naming the variable', () => {
    expect(() => loadLoggingConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadLoggingConfig({ LOG_FORMAT: 'xml' })).toThrow(
      "LOG_FORMAT must be one of auto, json, pretty (got 'xml')",
    );
  });
});
