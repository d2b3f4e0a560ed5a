// SVG chart → PNG for a Discord embed image, rasterised by resvg (its native binary ships inside the npm package) on
// libuv's thread pool, so the loop that answers Discord only pays for parsing the small SVG.
import { renderAsync } from '@resvg/resvg-js';

/** Discord's default attachment limit is 10 MiB; a chart stays far below it, and this bound makes sure. */
export const MAX_CHART_PNG_BYTES = 1024 * 1024;

/**
 * Rasterises `svg` at its own size. System fonts are used for the labels (a machine without fonts still gets a
 * valid image, with the lines and bars but no text). Resolves null if the PNG would exceed the bound.
 */
export async function svgToPng(svg: string): Promise<Buffer | null> {
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  const png = image.asPng();
  return png.length <= MAX_CHART_PNG_BYTES ? png : null;
}
