// Renders every tray icon memex needs from the one source, build/icon.svg: per state (running,
// running with a limit window ≥ 90 % or refused, stopped, error) color PNGs at 16 and 32 px with @2x, macOS template images (black + alpha,
// which macOS recolors for light and dark menu bars) and Windows .ico files; and, through
// build/app-icons.ts, the application icons the installers use. Run by `npm run build`.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import pngToIco from 'png-to-ico';
import { APP_ICON_DIR, writeAppIcons } from './app-icons.js';

export type IconState = 'running' | 'warning' | 'limited' | 'stopped' | 'error';
export const ICON_STATES: readonly IconState[] = [
  'running',
  'warning',
  'limited',
  'stopped',
  'error',
];

/** Every file this script writes into the output directory, with its pixel size. */
export function iconFiles(): { name: string; size: number }[] {
  const files: { name: string; size: number }[] = [];
  for (const state of ICON_STATES) {
    for (const size of [16, 32]) {
      files.push(
        { name: `${state}-${size}.png`, size },
        { name: `${state}-${size}@2x.png`, size: size * 2 },
      );
    }
    files.push(
      { name: `${state}Template.png`, size: 16 },
      { name: `${state}Template@2x.png`, size: 32 },
    );
  }
  return files;
}

/** Sizes packed into each Windows .ico (the tray picks one per display scale). */
export const ICO_SIZES: readonly number[] = [16, 20, 24, 32, 40, 48, 64];

const COLOR_STYLE: Readonly<Record<IconState, string>> = {
  running: '.ring{stroke:#16a34a}.bars{fill:#16a34a}',
  warning: '.ring{stroke:#16a34a}.bars{fill:#16a34a}.badge{display:inline;fill:#d97706}',
  limited: '.ring{stroke:#16a34a}.bars{fill:#16a34a}.badge{display:inline;fill:#dc2626}',
  stopped: '.ring{stroke:#8b95a1}.bars{fill:#8b95a1}',
  error: '.ring{stroke:#8b95a1}.bars{fill:#8b95a1}.badge{display:inline;fill:#dc2626}',
};

// Template images carry meaning in shape and opacity only: macOS paints them in the menu bar color.
const TEMPLATE_STYLE: Readonly<Record<IconState, string>> = {
  running: '',
  warning: '.badge{display:inline;stroke:none;opacity:.6}',
  limited: '.badge{display:inline;stroke:none}',
  stopped: '.ring{opacity:.5}.bars{opacity:.5}',
  error: '.ring{opacity:.5}.bars{opacity:.5}.badge{display:inline;stroke:none}',
};

function styled(source: string, css: string): string {
  return css === '' ? source : source.replace(/(<svg[^>]*>)/, `$1<style>${css}</style>`);
}

function render(svg: string, size: number): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();
}

/** Writes every icon into `outDir`. */
export async function writeIcons(sourceFile: string, outDir: string): Promise<void> {
  const source = await readFile(sourceFile, 'utf8');
  await mkdir(outDir, { recursive: true });
  for (const state of ICON_STATES) {
    const color = styled(source, COLOR_STYLE[state]);
    const template = styled(source, TEMPLATE_STYLE[state]);
    for (const size of [16, 32]) {
      await writeFile(`${outDir}/${state}-${size}.png`, render(color, size));
      await writeFile(`${outDir}/${state}-${size}@2x.png`, render(color, size * 2));
    }
    await writeFile(`${outDir}/${state}Template.png`, render(template, 16));
    await writeFile(`${outDir}/${state}Template@2x.png`, render(template, 32));
    await writeFile(
      `${outDir}/${state}.ico`,
      await pngToIco(ICO_SIZES.map((size) => render(color, size))),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href) {
  const root = new URL('../../', import.meta.url);
  await writeIcons(
    new URL('build/icon.svg', root).pathname,
    new URL('dist/icons/tray', root).pathname,
  );
  await writeAppIcons(
    await readFile(new URL('build/icon.svg', root), 'utf8'),
    new URL(APP_ICON_DIR, root).pathname,
  );
}
