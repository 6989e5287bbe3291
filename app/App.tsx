import { Benchmark } from './components/Benchmark.tsx';
import { CheckpointImport } from './components/CheckpointImport.tsx';
import { SaveResult } from './components/SaveResult.tsx';
import { EvaluatePanel } from './components/Evaluate.tsx';
import { DropZone, SampleGallery } from './components/ImageInput.tsx';
import { LoadProgress } from './components/LoadProgress.tsx';
import { ModelInfo, ModelPicker, OfficialCheckpoints } from './components/ModelPanel.tsx';
import { DebugPanel } from './components/DebugPanel.tsx';
import { DeviceLossNotice, ErrorNotice, FallbackNotice, GpuNote } from './components/Notices.tsx';
import { MethodCompare, MethodSwitch } from './components/MethodCompare.tsx';
import { OverlayView } from './components/Overlay.tsx';
import { Predictions } from './components/Predictions.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { RhoSlider, StageTable } from './components/TokenControls.tsx';
import { UserModelPicker } from './components/UserModelPicker.tsx';
import { useStore } from './store/index.ts';

/** What the page shows, with the loaded card's predictor locations once there is one. */
function Tagline() {
  const card = useStore((s) => s.dvitCard);
  const twin = useStore((s) => s.deitCard);
  const where = card ? `before blocks ${card.architecture.pruning_locations.join(', ')}` : 'between transformer blocks';
  return (
    <p className="muted small" data-testid="tagline">
      Token sparsification (Rao et al., NeurIPS 2021): learned predictors {where} drop uninformative patch tokens. See which ones, and time
      it against the full model{twin ? ` (${twin.display_name})` : ''} on your GPU.
    </p>
  );
}

export function App() {
  return (
    <>
      <header className="top">
        <div>
          <h1>DynamicViT in your browser</h1>
          <Tagline />
        </div>
        <StatusBar />
      </header>
      <main>
        <FallbackNotice />
        <DeviceLossNotice />
        <GpuNote />
        <ErrorNotice />
        <div className="picker-bar">
          <ModelPicker />
          <UserModelPicker />
          <LoadProgress />
        </div>
        <div className="layout">
          <div className="col-input">
            <section className="card" aria-labelledby="input-h">
              <h2 id="input-h">Image</h2>
              <DropZone />
              <SampleGallery />
            </section>
            <ModelInfo />
            <CheckpointImport />
            <OfficialCheckpoints />
          </div>
          <div className="col-view">
            <MethodSwitch />
            <OverlayView />
            <section className="card" aria-label="Keep ratio and cost">
              <RhoSlider />
              <StageTable />
            </section>
          </div>
          <div className="col-results">
            <Predictions />
            <SaveResult />
            <Benchmark />
            <DebugPanel />
          </div>
        </div>
        <div className="wide">
          <MethodCompare />
          <EvaluatePanel />
        </div>
      </main>
      <footer className="muted small">
        Everything runs locally: ONNX Runtime Web ({'WebGPU / WebAssembly'}) in a worker; models, wasm and samples are served by this page's
        origin, and a Content-Security-Policy forbids any other.
      </footer>
    </>
  );
}
