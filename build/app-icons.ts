// Renders the application icon (installers, Dock, Start menu, desktop entries) from the same one
// source as the tray icons, build/icon.svg: the running-state glyph on a rounded white tile, as
// PNGs at every size a Linux desktop asks for, one macOS .icns and one Windows .ico.
// electron-builder.yml points at these files; `npm run build` (build/icons.ts) writes them.

import { mkdir, writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import pngToIco from 'png-to-ico';

/** Where the app icons go, relative to the project root (electron-builder.yml names these). */
export const APP_ICON_DIR = 'dist/icons/app';

/** Linux: one `<size>x<size>.png` each in APP_ICON_DIR/png (hicolor sizes, up to 512). */
export const LINUX_ICON_SIZES: readonly number[] = [16, 24, 32, 48, 64, 128, 256, 512];

/** Windows: sizes packed into icon.ico; 256 is the one Explorer and the installer want. */
export const WINDOWS_ICON_SIZES: readonly number[] = [16, 24, 32, 48, 64, 128, 256];

/** macOS: the .icns element types and their pixel sizes (the @2x types are ic11–ic14, ic10). */
export const ICNS_TYPES: readonly { type: string; size: number }[] = [
  { type: 'icp4', size: 16 },
  { type: 'icp5', size: 32 },
  { type: 'icp6', size: 64 },
  { type: 'ic07', size: 128 },
  { type: 'ic08', size: 256 },
  { type: 'ic09', size: 512 },
  { type: 'ic10', size: 1024 },
  { type: 'ic11', size: 32 },
  { type: 'ic12', size: 64 },
  { type: 'ic13', size: 256 },
  { type: 'ic14', size: 512 },
];

/** The glyph (in the running color) inset on a rounded tile, so it reads on any background. */
export function appIconSvg(source: string): string {
  const glyph = source
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<svg[^>]*>/, '<svg x="5" y="5" width="22" height="22" viewBox="0 0 32 32">');
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">' +
    '<style>.ring{stroke:#16a34a}.bars{fill:#16a34a}</style>' +
    '<rect x="1" y="1" width="30" height="30" rx="7" fill="#fff" stroke="#d4d8dd" stroke-width=".5"/>' +
    `${glyph}</svg>`
  );
}

/** An .icns file: 'icns' + total length, then per element its type, length and PNG bytes. */
export function toIcns(elements: readonly { type: string; png: Buffer }[]): Buffer {
  const parts = elements.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((sum, part) => sum + part.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

function render(svg: string, size: number): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();
}

/** Writes icon.icns, icon.ico and png/<size>x<size>.png into `outDir` from the SVG source. */
export async function writeAppIcons(source: string, outDir: string): Promise<void> {
  const svg = appIconSvg(source);
  const cache = new Map<number, Buffer>();
  const png = (size: number): Buffer => {
    let bytes = cache.get(size);
    if (bytes === undefined) {
      bytes = render(svg, size);
      cache.set(size, bytes);
    }
    return bytes;
  };
  await mkdir(`${outDir}/png`, { recursive: true });
  for (const size of LINUX_ICON_SIZES) {
    await writeFile(`${outDir}/png/${size}x${size}.png`, png(size));
  }
  await writeFile(`${outDir}/icon.ico`, await pngToIco(WINDOWS_ICON_SIZES.map(png)));
  await writeFile(
    `${outDir}/icon.icns`,
    toIcns(ICNS_TYPES.map(({ type, size }) => ({ type, png: png(size) }))),
  );
}
