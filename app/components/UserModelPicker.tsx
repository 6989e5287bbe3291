import { useRef, useState, type DragEvent } from 'react';
import { useStore } from '../store/index.ts';

/** Load a model pair from the user's disk: the two cards (.json) and two graphs (.onnx), picked or dropped. */
export function UserModelPicker() {
  const load = useStore((s) => s.loadUserFiles);
  const loading = useStore((s) => s.userLoading);
  const ready = useStore((s) => s.status === 'ready');
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    if (ready) load([...e.dataTransfer.files]);
  };
  return (
    <div
      className={`user-model${over ? ' over' : ''}`}
      data-testid="user-model"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <button type="button" onClick={() => input.current?.click()} disabled={!ready || loading} data-testid="user-model-button">
        {loading ? 'Loading your model…' : 'Your own model…'}
      </button>
      <span className="muted small"> pick or drop dynamicvit.json, dynamicvit.onnx, deit.json, deit.onnx (files stay on this device)</span>
      <input
        ref={input}
        type="file"
        multiple
        accept=".onnx,.json"
        hidden
        data-testid="user-model-input"
        aria-label="Choose model files"
        onChange={(e) => {
          load([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
    </div>
  );
}
