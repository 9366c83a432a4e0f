import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import type { AnySchema, ValidateFunction } from 'ajv';
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { SettingsSchemaDialect } from './settings-schema-dialects';
import { settingsSchemaDialect, SettingsSchemaDialects } from './settings-schema-dialects';
import { SettingsSchemaError } from './settings-schema.error';

type Compiler = Pick<Ajv, 'compile'>;

const AJV_CLASSES: Record<SettingsSchemaDialect, new (options: object) => Ajv> = {
  [SettingsSchemaDialects.Draft07]: Ajv,
  [SettingsSchemaDialects.Draft2019]: Ajv2019,
  [SettingsSchemaDialects.Draft2020]: Ajv2020,
};

function createAjv(dialect: SettingsSchemaDialect): Compiler {
  // strict: false because a third-party schema may carry annotations ajv does not know;
  // addUsedSchema: false because two plugins may well give their schemas the same $id.
  const ajv = new AJV_CLASSES[dialect]({ allErrors: true, strict: false, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * Compiles plugins' settings schemas the one way the service and the conformance kit share: the
 * dialect from `$schema` (draft-07, 2019-09 or 2020-12; 2020-12 when absent), ajv with every error
 * reported, not strict about unknown keywords, with ajv-formats. Each schema object is compiled
 * once.
 */
export class SettingsSchemaCompiler {
  private static instance: SettingsSchemaCompiler | undefined;
  private readonly compilers = new Map<SettingsSchemaDialect, Compiler>();
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  static create(): SettingsSchemaCompiler {
    return new SettingsSchemaCompiler();
  }

  /** The process's compiler: a host that checks a plugin at load finds it compiled at use. */
  static shared(): SettingsSchemaCompiler {
    return (SettingsSchemaCompiler.instance ??= new SettingsSchemaCompiler());
  }

  /** The validator of `schema`; throws a `SettingsSchemaError` saying why it cannot be used. */
  compile(schema: JsonSchema): ValidateFunction {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new SettingsSchemaError('settingsSchema is not a JSON Schema object');
    }
    const cached = this.compiled.get(schema);
    if (cached !== undefined) return cached;
    const dialect = settingsSchemaDialect(schema);
    let compiler = this.compilers.get(dialect);
    if (compiler === undefined) {
      compiler = createAjv(dialect);
      this.compilers.set(dialect, compiler);
    }
    let validate: ValidateFunction;
    try {
      validate = compiler.compile(schema as AnySchema);
    } catch (error) {
      throw new SettingsSchemaError(
        `settingsSchema does not compile as ${dialect}: ${firstLine(error)}`,
        { cause: error },
      );
    }
    this.compiled.set(schema, validate);
    return validate;
  }
}

/**
 * Compiles a manifest's settings schema as every host does (see `SettingsSchemaCompiler`). Throws
 * a `SettingsSchemaError` when its dialect is not supported or it does not compile.
 */
export function compileSettingsSchema(schema: JsonSchema): ValidateFunction {
  return SettingsSchemaCompiler.shared().compile(schema);
}
