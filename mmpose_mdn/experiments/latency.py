"""End-to-end latency of a deployed model, PyTorch against onnxruntime on the CPU, measured side by side in one
process; the command line is ``benchmarks/latency.py``, its results ``benchmarks/latency.md``.

Per config family (at its configs' input size), two models, each on two runtimes, on real coco_mini val images
read from disk in every call (batch 1 and 8):

- ``MDN3``, one pass (the family's ``*_mdn3_*`` config) and ``flip L1``, the family's L1 base config with
  ``test_cfg.flip_test=True`` (two passes, averaged): the paper's comparison, a flip-free MDN against a
  flip-tested L1 model;
- PyTorch: the config's test pipeline (``LoadImage`` reads the file, ``BottomupResize``), ``pseudo_collate`` and
  ``model.test_step`` (data preprocessor, network, the head's decoding, people in image pixels): what
  ``inference_bottomup`` runs, for a batch;
- onnxruntime: ``demo/onnx_demo.py``'s ``OnnxPoseModel`` (OpenCV reads the file; the same resize and
  normalisation in NumPy; the graph exported ``--with-decode --dynamic-batch``, flip test inside for flip L1;
  people in image pixels), the code a torch-free deployment runs;
- onnxruntime int8: the same graph with its convolutions in int8 (``--quantize int8``,
  :func:`~mmpose_mdn.deployment.quantize_int8`, calibrated on :data:`CALIBRATION_IMAGES` coco_mini train images).

At batch 1 the networks alone are timed beside them: ``PredictMaps`` (the backbone and the head's maps, the
export without decoding) in PyTorch and onnxruntime float32, on a fixed input, twice (the image and its mirror
image) for flip L1; and reading the file (OpenCV, ``demo/onnx_demo.py``'s ``read_image``). The ratio of network +
read is a lower bound on the end-to-end ratio under any preprocessing and decoding that cost both sides alike
(x -> (a + x) / (b + x) grows with x for a < b): where it misses a target, no such change meets it.

Weights are the configs' initial ones (latency does not depend on them, except through decoding: the untrained
heads' heatmaps make every one of the 100 candidates a person and a refinement candidate for both runtimes, the
worst case). One thread each: ``torch.set_num_threads(1)``, onnxruntime's intra- and inter-op threads 1. Each
function runs ``warmup`` times, then ``repeats`` rounds of one call each in a rotated order; wall time
(``time.perf_counter``: reading the files is part of it); the table gives the median (min-max) and ratios are
medians of per-round ratios.
"""
import copy
import os
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import torch

from .repository import DATA, ROOT, load_script
from .speed import cpu_name, ms, ratio, timed_rounds

FAMILIES = dict(  # name: (MDN3 config, L1 base config, warm-up calls, timed rounds)
    tiny=('configs/mdn/hg-tiny_mdn3_coco-mini.py', 'configs/mdn/hg-tiny_base_coco-mini.py', 2, 10),
    XSmallHG=('configs/mdn/hg-xsmall_mdn3_coco.py', 'configs/mdn/hg-xsmall_base_coco.py', 1, 6),
    SmallHG=('configs/mdn/hg-small_mdn3_coco.py', 'configs/mdn/hg-small_base_coco.py', 1, 6),
)
BATCHES = (1, 8)
PARITY_IMAGES = 3
CALIBRATION_IMAGES = 4
RUNTIMES = ('PyTorch', 'ORT', 'ORT int8')
MODELS = ('MDN3', 'flip L1')
RUNS = tuple(f'{rt} {m}' for rt in RUNTIMES for m in MODELS)


def coco_mini_images(n: int, split: str = 'val2017') -> List[Path]:
    """The first ``n`` coco_mini images of ``split``."""
    return sorted((DATA / 'coco_mini' / split).glob('*.jpg'))[:n]


def runtimes(config: str, flip_test: bool, work_dir: Path) -> Dict[str, object]:
    """The model of ``config`` (initial weights, ``flip_test`` set) as three end-to-end functions of a list of image
    paths: 'PyTorch', 'ORT' (its ``--with-decode --dynamic-batch`` export into ``work_dir``) and 'ORT int8' (that
    export quantized); its network alone as two functions of a batch of inputs (B, 3, H, W), 'PyTorch network' and
    'ORT network' (``PredictMaps`` and its export; two passes, the input and its mirror image, with ``flip_test``);
    'input_size' (W, H); 'parity': the float32 export verified against PyTorch on :data:`PARITY_IMAGES` coco_mini
    val images (``compare_on_images``, refused by ``check_parity`` beyond the tolerances)."""
    import onnxruntime
    from mmengine.dataset import Compose, pseudo_collate
    from mmpose.apis import init_model

    from ..deployment import (PredictMaps, calibration_inputs, check_parity, compare_on_images, export_onnx,
                              quantize_int8)
    torch.manual_seed(0)
    model = init_model(str(ROOT / config), None, device='cpu', cfg_options={'model.test_cfg.flip_test': flip_test})
    pipeline = Compose(copy.deepcopy(model.cfg.test_dataloader.dataset.pipeline))
    onnx_file = work_dir / f'{Path(config).stem}_flip{int(flip_test)}.onnx'
    size = tuple(model.cfg.codec['input_size'])
    export_onnx(model, str(onnx_file), size, dynamic_batch=True, with_decode=True)
    parity = compare_on_images(model, str(onnx_file),
                               [dict(img_path=str(p)) for p in coco_mini_images(PARITY_IMAGES)])
    check_parity(parity, str(onnx_file))
    int8_file = onnx_file.with_suffix('.int8.onnx')
    train = [dict(img_path=str(p)) for p in coco_mini_images(CALIBRATION_IMAGES, 'train2017')]
    quantize_int8(str(onnx_file), str(int8_file), calibration_inputs(model, train, CALIBRATION_IMAGES))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    demo = load_script('demo/onnx_demo.py')  # the script a torch-free deployment runs
    deployed = {name: demo.OnnxPoseModel(str(f), options) for name, f in (('ORT', onnx_file), ('ORT int8', int8_file))}

    def pytorch(paths):
        batch = pseudo_collate([pipeline(dict(img_path=str(p), **model.dataset_meta)) for p in paths])
        with torch.no_grad():
            return model.test_step(batch)

    def ort(runtime):
        return lambda paths: deployed[runtime].predict([demo.read_image(p) for p in paths], 0.0)

    maps_file = onnx_file.with_suffix('.maps.onnx')
    network = PredictMaps(model, export_onnx(model, str(maps_file), size, dynamic_batch=True))
    maps_session = onnxruntime.InferenceSession(str(maps_file), options, providers=['CPUExecutionProvider'])
    passes = 2 if flip_test else 1

    def pytorch_network(inputs):
        with torch.no_grad():
            return [network(x) for x in (inputs, inputs.flip(-1))[:passes]]

    def ort_network(inputs):
        return [maps_session.run(None, {'input': x.numpy()}) for x in (inputs, inputs.flip(-1))[:passes]]

    return {'PyTorch': pytorch, 'ORT': ort('ORT'), 'ORT int8': ort('ORT int8'), 'PyTorch network': pytorch_network,
            'ORT network': ort_network, 'input_size': size, 'parity': parity}


def measure(families: List[str], batches=BATCHES) -> Tuple[List[list], List[list], List[list]]:
    """Per family and batch: the six runs' times and the ratios of the targets (table rows); per family, at batch 1:
    the times of reading the file and of the networks alone, and the bound's ratios (table rows,
    :data:`NETWORK_HEADER`); per family and model: its export's parity (table rows)."""
    from mmengine.registry import init_default_scope

    import mmpose_mdn  # noqa: F401  registers the plugin
    init_default_scope('mmpose')
    torch.set_num_threads(1)
    rows, networks, parity = [], [], []
    demo = load_script('demo/onnx_demo.py')
    with tempfile.TemporaryDirectory() as tmp:
        for family in families:
            mdn_cfg, l1_cfg, warmup, repeats = FAMILIES[family]
            print(f'--- {family}', flush=True)
            mdn, flip = runtimes(mdn_cfg, False, Path(tmp)), runtimes(l1_cfg, True, Path(tmp))
            parity += [[family, name, w['images'], w['people'], w['unmatched'], f'{w["keypoints_px"]:.1e}',
                        f'{w["scores"]:.1e}'] for name, w in (('MDN3', mdn['parity']), ('flip L1', flip['parity']))]
            for batch in batches:
                paths = coco_mini_images(batch)
                calls = {f'{rt} MDN3': (lambda f=mdn[rt]: f(paths)) for rt in RUNTIMES}
                calls.update({f'{rt} flip L1': (lambda f=flip[rt]: f(paths)) for rt in RUNTIMES})
                if batch == 1:  # the networks alone and reading the file, side by side with the end-to-end calls
                    inputs = torch.randn(1, 3, *mdn['input_size'][::-1], generator=torch.Generator().manual_seed(0))
                    calls.update({f'{rt} {m} network': (lambda f=fns[f'{rt} network']: f(inputs))
                                  for m, fns in (('MDN3', mdn), ('flip L1', flip)) for rt in RUNTIMES[:2]})
                    calls['read'] = lambda: [demo.read_image(p) for p in paths]
                times = timed_rounds(calls, warmup, repeats, time.perf_counter)
                if batch == 1:
                    bound = {run: [t + r for t, r in zip(times[f'{run} network'], times['read'])]
                             for run in RUNS[:4]}  # PyTorch, ORT x MDN3, flip L1
                    networks.append([family, ms(times['read']), *(ms(times[f'{r} network']) for r in RUNS[:4]),
                                     *(f'{ratio(bound[f"ORT {m}"], bound[f"PyTorch {m}"]):.2f}' for m in MODELS),
                                     *(f'{ratio(bound[f"{rt} MDN3"], bound[f"{rt} flip L1"]):.2f}'
                                       for rt in RUNTIMES[:2])])
                    print(networks[-1], flush=True)
                rows.append([family, batch, *(ms(times[r]) for r in RUNS),
                             *(f'{ratio(times[f"{rt} {m}"], times[f"PyTorch {m}"]):.2f}'
                               for rt in RUNTIMES[1:] for m in MODELS),
                             *(f'{ratio(times[f"{rt} MDN3"], times[f"{rt} flip L1"]):.2f}' for rt in RUNTIMES)])
                print(rows[-1], flush=True)
    return rows, networks, parity


HEADER = ['family', 'batch', *(f'{r} ms' for r in RUNS),
          *(f'{rt} / PyTorch, {m}' for rt in RUNTIMES[1:] for m in MODELS),
          *(f'MDN3 / flip L1, {rt}' for rt in RUNTIMES)]
NETWORK_HEADER = ['family', 'read ms', *(f'{r} network ms' for r in RUNS[:4]),
                  *(f'ORT / PyTorch, {m}, network + read' for m in MODELS),
                  *(f'MDN3 / flip L1, {rt}, network + read' for rt in RUNTIMES[:2])]


PARITY_HEADER = ['family', 'model', 'images', 'people found by both', 'by one alone', 'keypoints differ (px)',
                 'scores differ']


def markdown(rows: List[list], command: str, started: str, load: tuple, elapsed: float,
             parity: List[list] = (), networks: List[list] = ()) -> str:
    """The report: machine, method, the table, the networks alone and reading the file (``networks``, rows of
    :data:`NETWORK_HEADER`), the targets of issue 22 against the measured ratios (end to end, and the bound of
    network + read), and the float32 exports' parity."""
    import onnxruntime

    from ..evaluation.report import markdown_table
    cpu = cpu_name()
    lines = ['# End-to-end latency: PyTorch against onnxruntime, one-pass MDN3 against flip-test L1', '',
             f'Produced by `{command}` on {started} in {elapsed / 60:.1f} min.', '',
             f'- machine: {cpu}, {os.cpu_count()} cores visible, CPU only; torch {torch.__version__}, onnxruntime '
             f'{onnxruntime.__version__}; one thread each',
             f'- load average (1 min) at the start and the end: {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} '
             'cores' + (': more runnable threads than cores, so the timed calls (wall time) waited for a core at times '
                        'and the ratios are not an idle machine\'s' if max(load) > os.cpu_count() else ''),
             '- end to end: read the file, preprocess, network, decode, people in image pixels; wall time; '
             'median (min-max) per call of the whole batch; ratios are medians of per-round ratios',
             '- method and what each runtime runs: `mmpose_mdn/experiments/latency.py`', '']
    lines += markdown_table(HEADER, [list(map(str, row)) for row in rows])
    if networks:
        lines += ['', '## The networks alone and reading the file, batch 1', '', 'The backbone and the head\'s maps '
                  '(`PredictMaps`, the export without decoding) on a fixed input (flip L1: two passes, the input and '
                  'its mirror image, without the averaging) and reading the file with OpenCV, timed in the same '
                  'rounds as batch 1 above. A ratio of network + read is a lower bound on the end-to-end ratio under '
                  'any preprocessing and decoding that cost both sides alike ((a + x) / (b + x) grows with x for '
                  'a < b).', '']
        lines += markdown_table(NETWORK_HEADER, [list(map(str, row)) for row in networks])
    first = 2 + len(RUNS)  # the ratio columns: ORT / PyTorch (MDN3, flip L1), int8 / PyTorch, MDN3 / flip L1 x 3
    ort_pt = [float(r[i]) for r in rows if r[1] == 1 for i in (first, first + 1)]
    int8_pt = [float(r[i]) for r in rows if r[1] == 1 for i in (first + 2, first + 3)]
    one_pass = [float(r[i]) for r in rows for i in range(first + 4, first + 7)]

    def span(values):
        return f'{min(values):.2f}-{max(values):.2f}'
    lines += ['## Targets', '',
              f'- onnxruntime / PyTorch at batch 1, same model, <= 0.80: float32 {span(ort_pt)} '
              f'({"met" if max(ort_pt) <= 0.8 else "not met"} for every family); int8 {span(int8_pt)} '
              f'({"met" if max(int8_pt) <= 0.8 else "not met"} for every family; its AP: the README\'s Deploy '
              'section)',
              f'- one-pass MDN3 / flip-test L1 on every runtime, <= 0.55: measured {span(one_pass)} '
              f'({"met" if max(one_pass) <= 0.55 else "not met"} in every row)']
    if networks:
        def over(column, target):
            missed = [r[0] for r in networks if float(r[column]) > target]
            return f'above {target:.2f} for {", ".join(missed)}' if missed else f'<= {target:.2f} for every family'
        b = NETWORK_HEADER.index(f'ORT / PyTorch, {MODELS[0]}, network + read')  # then flip L1, then MDN3 / flip L1 x 2
        net_ort_pt = [float(r[i]) for r in networks for i in (b, b + 1)]
        net_one_pass = [float(r[i]) for r in networks for i in (b + 2, b + 3)]
        lines.append('- the bound, network + read (where it misses a target, no preprocessing or decoding that costs '
                     f'both sides alike meets it): onnxruntime / PyTorch {span(net_ort_pt)} ({over(b, 0.8)} in MDN3, '
                     f'{over(b + 1, 0.8)} in flip L1); one-pass MDN3 / flip-test L1 {span(net_one_pass)} '
                     f'({over(b + 2, 0.55)} in PyTorch, {over(b + 3, 0.55)} in onnxruntime)')
    lines.append('')
    if parity:
        lines += ['## Parity of the timed exports', '', f'Each export above against PyTorch on the first '
                  f'{PARITY_IMAGES} coco_mini val images (`compare_on_images`, `check_parity`: keypoints within 0.5 '
                  'image px, scores within 1e-3, people matched by their keypoints).', '']
        lines += markdown_table(PARITY_HEADER, [list(map(str, row)) for row in parity])
    return '\n'.join(lines)
