import { useEffect, useRef, useState, type DragEvent } from 'react';
import { SAMPLES_URL, sampleUrl } from '../paths.ts';
import { isImageLike, type SampleInfo as Sample } from '../store/inferenceSlice.ts';
import { useStore } from '../store/index.ts';

export function DropZone() {
  const classifyImage = useStore((s) => s.classifyImage);
  const ready = useStore((s) => s.status === 'ready');
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (file) {
        e.preventDefault();
        classifyImage(file, file.name || 'pasted image');
      }
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [classifyImage]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    // the first usable file, else the first file (so that a non-image gets a message, not silence)
    const file = files.find((f) => isImageLike(f, f.name)) ?? files[0];
    if (file) classifyImage(file, file.name);
  };

  return (
    <div
      className={`dropzone${over ? ' over' : ''}${ready ? '' : ' disabled'}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        <strong>Drop an image</strong>, paste one (Ctrl/⌘+V), or{' '}
        <button type="button" className="linklike" onClick={() => input.current?.click()} disabled={!ready}>
          choose a file
        </button>
      </p>
      <input
        ref={input}
        type="file"
        accept="image/*,.bin"
        hidden
        data-testid="file-input"
        aria-label="Choose an image file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) classifyImage(f, f.name);
          e.target.value = '';
        }}
      />
      <p className="muted small">
        Resized (shorter side, PIL-exact bicubic), center-cropped and normalised as the model card says — the crop below is what the models
        see. A raw float32 NCHW tensor saved as <code>.bin</code> is fed as-is.
      </p>
    </div>
  );
}

export function SampleGallery() {
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [failed, setFailed] = useState(false);
  const classifyImage = useStore((s) => s.classifyImage);
  const ready = useStore((s) => s.status === 'ready');
  const current = useStore((s) => s.crop?.name);

  useEffect(() => {
    let live = true;
    fetch(SAMPLES_URL)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((j: unknown) => live && setSamples(Array.isArray(j) ? (j as Sample[]) : ((j as { samples?: Sample[] }).samples ?? [])))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, []);

  const pick = async (s: Sample) => {
    const r = await fetch(sampleUrl(s.file));
    if (r.ok) classifyImage(await r.blob(), s.file, s);
  };

  if (failed) return <p className="muted small">No bundled samples (public/samples/samples.json not found).</p>;
  if (!samples) return null;
  return (
    <ul className="gallery" aria-label="Sample images" data-testid="samples">
      {samples.map((s) => (
        <li key={s.file}>
          <button
            type="button"
            onClick={() => void pick(s)}
            disabled={!ready}
            aria-pressed={current === s.file}
            title={[s.label, s.kind === 'generated' ? 'generated (demo model domain)' : 'photo (for ImageNet checkpoints)', s.license]
              .filter(Boolean)
              .join(' · ')}
            data-testid="sample"
            data-file={s.file}
          >
            <img src={sampleUrl(s.file)} alt={s.label} loading="lazy" width={72} height={72} />
            <span className="small">
              {s.emoji ? `${s.emoji} ` : ''}
              {s.label}
            </span>
            {s.kind === 'photo-imagenet' && <span className="tag">photo</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
