import fs from 'node:fs';
import path from 'node:path';

/**
 * The READMEs quote the example plugin package instead of keeping examples of their own, so that
 * what an author copies is what CI packs, compiles, kit-runs and loads (plugin-example.int-spec).
 */
const workspace = path.resolve(__dirname, '..', '..');
const example = path.join(workspace, 'examples', 'acme-ci-plugin');

function read(relativePath: string): string {
  return fs.readFileSync(path.join(workspace, relativePath), 'utf8');
}

/** The fenced code blocks of a Markdown text in one language, trimmed. */
function codeBlocks(markdown: string, language: string): string[] {
  const fence = new RegExp(String.raw`^( *)\`\`\`${language}\n([\s\S]*?)^\1\`\`\``, 'gm');
  return [...markdown.matchAll(fence)].map(([, indent = '', code = '']) =>
    code
      .split('\n')
      .map((line) => line.slice(indent.length))
      .join('\n')
      .trim(),
  );
}

const quotations: ReadonlyArray<readonly [readme: string, file: string, language: string]> = [
  ['libs/plugin-abstractions/README.md', 'src/acme-ci-plugin.ts', 'ts'],
  ['libs/testing/README.md', 'src/acme-ci-plugin.spec.ts', 'ts'],
  ['libs/testing/README.md', 'jest.config.js', 'js'],
];

describe('the READMEs quote examples/acme-ci-plugin', () => {
  it.each(quotations)('%s holds %s verbatim', (readme, file, language) => {
    const source = fs.readFileSync(path.join(example, file), 'utf8').trim();
    const blocks = codeBlocks(read(readme), language);
    // A failure here means one was edited without the other: copy the example's file into the README.
    expect(blocks).toContainEqual(source);
  });

  it("shows the plugin's `plugins` export as the example writes it", () => {
    const plugin = fs.readFileSync(path.join(example, 'src/acme-ci-plugin.ts'), 'utf8');
    const snippet = codeBlocks(read('libs/plugin-abstractions/README.md'), 'ts').find((block) =>
      block.startsWith('export const plugins'),
    );
    expect(snippet).toBeDefined();
    expect(plugin).toContain(snippet);
  });

  it('no README imports a plugin the example does not export', () => {
    const exported = [
      ...fs
        .readFileSync(path.join(example, 'src/acme-ci-plugin.ts'), 'utf8')
        .matchAll(/^export const (\w+)/gm),
    ].map(([, name]) => name);
    for (const readme of ['libs/plugin-abstractions/README.md', 'libs/testing/README.md']) {
      for (const [, names = ''] of read(readme).matchAll(
        /import \{([^}]*)\} from '\.\/acme-ci-plugin'/g,
      )) {
        for (const name of names.split(',').map((part) => part.trim())) {
          expect({ readme, name, exported: exported.includes(name) }).toEqual({
            readme,
            name,
            exported: true,
          });
        }
      }
    }
  });

  it("depends on this workspace's packages by a caret range of their current versions", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const versions: Record<string, string> = {
      '@stellaops/integrations-plugin-abstractions': JSON.parse(
        read('libs/plugin-abstractions/package.json'),
      ).version,
      '@stellaops/integrations-testing': JSON.parse(read('libs/testing/package.json')).version,
    };
    expect({
      contract: manifest.dependencies['@stellaops/integrations-plugin-abstractions'],
      testing: manifest.devDependencies['@stellaops/integrations-testing'],
    }).toEqual({
      contract: `^${versions['@stellaops/integrations-plugin-abstractions']}`,
      testing: `^${versions['@stellaops/integrations-testing']}`,
    });
  });
});
