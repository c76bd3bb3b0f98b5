export type CanvasSize = { width: number; pixelRatio: number };

/**
 * Sizes the canvas's backing store for `size.width` x `height` CSS pixels at
 * the device's pixel ratio, clears it and returns a context that draws in CSS
 * pixels with `font`; null when the canvas has no 2D context. Resizing the
 * backing store also clears it, so it is only resized when its size changed.
 */
export function prepareCanvas(canvas: HTMLCanvasElement, size: CanvasSize, height: number, font: string): CanvasRenderingContext2D | null {
  const backingWidth = Math.max(1, Math.round(size.width * size.pixelRatio));
  const backingHeight = Math.max(1, Math.round(height * size.pixelRatio));
  if (canvas.width !== backingWidth || canvas.height !== backingHeight) {
    canvas.width = backingWidth;
    canvas.height = backingHeight;
  }
  const context = canvas.getContext("2d");
  if (!context) return null;
  context.setTransform(size.pixelRatio, 0, 0, size.pixelRatio, 0, 0);
  context.clearRect(0, 0, size.width, height);
  context.font = font;
  return context;
}
