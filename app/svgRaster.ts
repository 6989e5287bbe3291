/**
 * SVG files are rasterised here, on the page: a worker cannot decode SVG (createImageBitmap has no SVG
 * decoder off the main thread). The SVG is loaded as an <img> from a blob: URL, i.e. in "SVG as image"
 * mode: its scripts never run and it cannot load anything (external images, fonts), whatever it contains.
 */
const DEFAULT_SIDE = 512;
const MAX_SIDE = 2048;

export const isSvg = (blob: Blob, name: string): boolean => blob.type === 'image/svg+xml' || /\.svgz?$/i.test(name);

export async function rasterizeSvg(blob: Blob, name: string): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch {
      throw new Error(`"${name}" is not a valid SVG image (the browser could not render it)`);
    }
    let w = img.naturalWidth || DEFAULT_SIDE;
    let h = img.naturalHeight || DEFAULT_SIDE;
    const s = Math.min(MAX_SIDE / Math.max(w, h), Math.max(1, 256 / Math.min(w, h)));
    w = Math.max(1, Math.round(w * s));
    h = Math.max(1, Math.round(h * s));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2d context unavailable');
    ctx.drawImage(img, 0, 0, w, h);
    const png = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/png'));
    if (!png) throw new Error(`"${name}" could not be rasterised (the canvas refused to encode it)`);
    return png;
  } finally {
    URL.revokeObjectURL(url);
  }
}
