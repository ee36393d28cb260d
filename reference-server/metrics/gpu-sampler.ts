/**
 * GpuSampler polls `nvidia-smi` in the background (when it exists) and exposes Triton's GPU gauges:
 * nv_gpu_utilization, nv_gpu_memory_total_bytes, nv_gpu_memory_used_bytes and nv_gpu_power_usage, labelled by
 * gpu_uuid. Without nvidia-smi the gauges are simply absent.
 */
import { execFile } from 'node:child_process';
import { Gauge, type Registry } from 'prom-client';

interface GpuSample {
  uuid: string;
  utilization: number;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  powerWatts: number;
}

/** parseNvidiaSmi parses `nvidia-smi --query-gpu=uuid,utilization.gpu,memory.total,memory.used,power.draw --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): GpuSample[] {
  const out: GpuSample[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length < 5 || !f[0]) continue;
    const num = (s: string | undefined): number => (s && Number.isFinite(Number(s)) ? Number(s) : 0);
    out.push({
      uuid: f[0],
      utilization: num(f[1]) / 100,
      memoryTotalBytes: num(f[2]) * 1024 * 1024,
      memoryUsedBytes: num(f[3]) * 1024 * 1024,
      powerWatts: num(f[4]),
    });
  }
  return out;
}

/** GpuSampler keeps the latest nvidia-smi reading. */
export class GpuSampler {
  private samples: GpuSample[] = [];
  private timer?: NodeJS.Timeout;
  private disabled = false;

  /** register adds the GPU gauges to a registry and starts sampling every `intervalMs`. */
  register(registry: Registry, intervalMs = 2000): void {
    const gauge = (name: string, help: string, value: (s: GpuSample) => number): void => {
      const self = this;
      new Gauge({
        name,
        help,
        labelNames: ['gpu_uuid'],
        registers: [registry],
        collect() {
          this.reset();
          for (const s of self.samples) this.set({ gpu_uuid: s.uuid }, value(s));
        },
      });
    };
    gauge('nv_gpu_utilization', 'GPU utilization rate [0.0 - 1.0)', (s) => s.utilization);
    gauge('nv_gpu_memory_total_bytes', 'GPU total memory, in bytes', (s) => s.memoryTotalBytes);
    gauge('nv_gpu_memory_used_bytes', 'GPU used memory, in bytes', (s) => s.memoryUsedBytes);
    gauge('nv_gpu_power_usage', 'GPU power usage in watts', (s) => s.powerWatts);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** stop ends sampling. */
  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (this.disabled) return;
    execFile(
      'nvidia-smi',
      ['--query-gpu=uuid,utilization.gpu,memory.total,memory.used,power.draw', '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (err, stdout) => {
        if (err) {
          // No nvidia-smi (or no driver): stop trying rather than fork a failing process every interval.
          this.disabled = true;
          this.stop();
          return;
        }
        this.samples = parseNvidiaSmi(stdout);
      },
    );
  }
}
