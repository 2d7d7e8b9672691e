"""Speed of the MDN head against the L1 base model, measured side by side in one process (CPU); the command line
is ``benchmarks/speed.py``, its results ``benchmarks/speed.md``.

Per size (backbone, input), the models are built from the base (L1) config of that backbone with the head's
``num_components`` set (M = 1, 2, 3, 5; the configs' default ``MDNLoss``), on real coco_mini images through the
config's own pipelines:

1. training step (``model.train_step``: data preprocessor, forward, backward, the config's Adam step) of L1 and
   MDN_M, and the peak tensor memory of one step (parameters, gradients, optimiser state and the step's largest
   allocation, from torch's profiler);
2. inference, packed image to predictions in image pixels (``model.test_step``): flip-free MDN3 vs the flip-test
   L1 base model;
3. decoding (top-100 centres, K = 17, M = 3, refinement on / off) as a share of the network's forward pass, with
   the untrained head's heatmaps (the worst case for refinement) and with the image's annotated people as heatmaps
   (as a trained head's); and the MDN component selection (:func:`select_component`, section ``components``) at
   the decoded centres vs at every output pixel;
4. target generation, ``CenterNetPose.encode`` of one image with 1, 8, 32 and 64 people (real coco_mini people
   placed at random scales and positions), against the training step with the config's data workers.

Every measured function runs ``warmup`` times, then ``repeats`` rounds in which each runs once, in a rotated
order; the table gives the median and min-max, and a ratio is the median of the per-round ratios (both measured
in the same round). Times are the CPU time of the calling thread (``time.thread_time``): with
``torch.set_num_threads(1)`` all of torch's work runs on it, and on a shared, loaded machine the CPU time does not
count the waits for a core that wall time would (with ``--threads`` above 1, wall time is measured instead).
``--only`` limits the sections.
"""
import copy
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from torch import Tensor

from .repository import DATA, ROOT

SECTIONS = ('train', 'inference', 'decode', 'components', 'targets')
COMPONENTS = (1, 2, 3, 5)
PEOPLE = (1, 8, 32, 64)
DECODE_REPEATS = 10  # decoding, component selection and encoding are cheap: timed this often at every size


class Size:
    """One backbone at one input size, with the batch and the number of timed rounds it can afford."""

    def __init__(self, name: str, config: str, input_size: int, batch: int, warmup: int, repeats: int):
        self.name, self.config, self.input_size = name, config, input_size
        self.batch, self.warmup, self.repeats = batch, warmup, repeats

    @property
    def label(self) -> str:
        return f'{self.name} {self.input_size}'


FULL = [
    Size('tiny', 'configs/mdn/hg-tiny_base_coco-mini.py', 128, 4, 2, 10),
    Size('tiny', 'configs/mdn/hg-tiny_base_coco-mini.py', 256, 4, 2, 6),
    Size('XSmallHG', 'configs/mdn/hg-xsmall_base_coco.py', 256, 2, 1, 3),
    Size('XSmallHG', 'configs/mdn/hg-xsmall_base_coco.py', 512, 1, 1, 2),
    Size('SmallHG', 'configs/mdn/hg-small_base_coco.py', 256, 2, 1, 3),
    Size('SmallHG', 'configs/mdn/hg-small_base_coco.py', 512, 1, 1, 2),
]
QUICK = [Size('tiny', 'configs/mdn/hg-tiny_base_coco-mini.py', 128, 2, 1, 3)]


# ------------------------------------------------------------------------------------------------ timing
def timed_rounds(fns: Dict[str, Callable[[], object]], warmup: int, repeats: int,
                 clock: Callable[[], float] = time.thread_time) -> Dict[str, List[float]]:
    """Seconds per call of each function on ``clock``: ``warmup`` untimed calls, then ``repeats`` rounds of one call
    each, the order rotated every round."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    names, times = list(fns), {name: [] for name in fns}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = clock()
            fns[name]()
            times[name].append(clock() - start)
    return times


def ms(times: List[float]) -> str:
    """Median and min-max in milliseconds."""
    return f'{1e3 * statistics.median(times):.1f} ({1e3 * min(times):.1f}-{1e3 * max(times):.1f})'


def ratio(times: List[float], reference: List[float]) -> float:
    """Median of the per-round ratios."""
    return statistics.median(t / r for t, r in zip(times, reference))


def peak_step_memory(step: Callable[[], object], model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Bytes: the tensors that persist across steps (parameters, gradients, optimiser state) plus the largest
    amount the step allocates on top of them (the running sum of the profiler's allocation events)."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == '[memory]')
    peak = max(np.cumsum([n for _, n in events]).max(initial=0), 0)
    persistent = [p for p in model.parameters()] + [p.grad for p in model.parameters() if p.grad is not None] + [
        v for state in optimizer.state.values() for v in state.values() if torch.is_tensor(v)]
    return int(peak + sum(t.numel() * t.element_size() for t in persistent))


# ------------------------------------------------------------------------------------------------ models, data
def with_input_size(node, size: int):
    """A copy of a config node with every ``input_size`` set to (size, size)."""
    if isinstance(node, dict):
        return {k: (size, size) if k == 'input_size' else with_input_size(v, size) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(with_input_size(v, size) for v in node)
    return copy.deepcopy(node)


def build(cfg, size: Size, num_components, flip_test: bool):
    """The estimator of ``cfg`` at the size's input with ``num_components`` (None: L1) and its optim wrapper."""
    from mmengine.optim import build_optim_wrapper
    from mmpose.registry import MODELS
    model_cfg = with_input_size(cfg.model.to_dict(), size.input_size)
    model_cfg['head']['num_components'] = num_components
    model_cfg['test_cfg'] = dict(flip_test=flip_test)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    return model, build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))


def coco_mini(cfg, size: Size, train: bool, n: int) -> dict:
    """The first ``n`` coco_mini images with people through the config's train or val pipeline, collated."""
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    split = 'train2017' if train else 'val2017'
    loader = cfg.train_dataloader if train else cfg.val_dataloader
    ds = DATASETS.build(dict(type='CocoDataset', data_root=str(DATA / 'coco_mini'), data_mode='bottomup',
                             ann_file=f'annotations/person_keypoints_{split}.json', data_prefix=dict(img=f'{split}/'),
                             test_mode=not train, pipeline=with_input_size(loader.dataset.pipeline, size.input_size)))
    with_people = [i for i in range(len(ds)) if len(ds.get_data_info(i).get('keypoints', ()))]
    return pseudo_collate([ds[i] for i in with_people[:n]])


def people_in_frame(num_people: int, input_size: int, rng: np.random.Generator):
    """``num_people`` real coco_mini people (keypoints, visibility, xyxy boxes) each scaled to a random height of
    10-50 % of the input and placed at random inside it."""
    ann = json.loads((DATA / 'coco_mini' / 'annotations' / 'person_keypoints_train2017.json').read_text())
    people = [a for a in ann['annotations'] if a['num_keypoints'] > 0 and not a['iscrowd']]
    kpts, vis, boxes = [], [], []
    for a in (people[i] for i in rng.integers(len(people), size=num_people)):
        k = np.asarray(a['keypoints'], np.float32).reshape(-1, 3)
        x, y, w, h = a['bbox']
        s = rng.uniform(0.1, 0.5) * input_size / max(w, h, 1)
        origin = rng.uniform(0, input_size - np.array([w, h]) * s)
        kpts.append((k[:, :2] - [x, y]) * s + origin)
        vis.append(k[:, 2])
        boxes.append(np.concatenate([origin, origin + np.array([w, h]) * s]))
    return np.stack(kpts).astype(np.float32), np.stack(vis), np.stack(boxes).astype(np.float32)


# ------------------------------------------------------------------------------------------------ sections
def train_section(cfg, size: Size, rows: dict, clock: Callable[[], float]) -> None:
    batch = coco_mini(cfg, size, train=True, n=size.batch)
    variants = {'L1': None, **{f'MDN{m}': m for m in COMPONENTS}}
    models = {name: build(cfg, size, m, flip_test=False) for name, m in variants.items()}
    steps = {name: (lambda mo=mo: mo[0].train_step(copy.copy(batch), mo[1])) for name, mo in models.items()}
    times = timed_rounds(steps, size.warmup, size.repeats, clock)
    rows['train_times'] = times
    for name, (model, wrapper) in models.items():
        memory = peak_step_memory(steps[name], model, wrapper.optimizer)
        rows.setdefault('train', []).append(
            [size.label, size.batch, name, ms(times[name]), f'{ratio(times[name], times["L1"]):.3f}',
             f'{memory / 2**20:.0f}'])


def inference_section(cfg, size: Size, rows: dict, clock: Callable[[], float]) -> None:
    """``model.test_step`` of one image, refinement on and off. The untrained heads' heatmaps are about 0.1
    everywhere, so with refinement every local maximum is a candidate (the worst case, see the decode table)."""
    batch = coco_mini(cfg, size, train=False, n=1)
    models = dict(flip_L1=build(cfg, size, None, flip_test=True)[0].eval(),
                  MDN3=build(cfg, size, 3, flip_test=False)[0].eval())
    calls = {name: (lambda m=m: m.test_step(copy.copy(batch))) for name, m in models.items()}
    for refine in (True, False):
        for model in models.values():
            model.head.decoder.refine = refine
        with torch.no_grad():
            times = timed_rounds(calls, size.warmup, size.repeats, clock)
        rows.setdefault('inference', []).append(
            [size.label, 'on' if refine else 'off', ms(times['flip_L1']), ms(times['MDN3']),
             f'{ratio(times["MDN3"], times["flip_L1"]):.3f}'])


def annotated_heatmaps(model, sample) -> Dict[str, Tensor]:
    """Heatmaps of a trained model's kind: ``CenterNetPose.encode`` of the image's annotated people, mapped from the
    image into model-input pixels (the inverse of the estimator's mapping)."""
    gt, meta = sample.gt_instances, sample.metainfo
    scale = np.asarray(meta['input_size'], np.float32) / np.asarray(meta['input_scale'], np.float32)
    origin = np.asarray(meta['input_center'], np.float32) - np.asarray(meta['input_scale'], np.float32) / 2
    boxes = ((gt.bboxes.reshape(-1, 2, 2) - origin) * scale).reshape(-1, 4)
    heatmaps = torch.from_numpy(model.head.decoder.encode((gt.keypoints - origin) * scale, gt.keypoints_visible,
                                                          bbox=boxes)['heatmaps'])[None]
    return dict(centre_heatmap=heatmaps[:, :1], keypoint_heatmaps=heatmaps[:, 1:])


def decode_section(cfg, size: Size, rows: dict, clock: Callable[[], float]) -> None:
    """Decoding after the forward pass (backbone and the last stack's branches, what prediction runs;
    ``predict_by_feat``) on the network's own maps, with the heatmaps of the
    untrained head (about 0.1 everywhere: every local maximum passes the refinement threshold, the worst case) or
    those of the image's annotated people (as a trained head's); its share is the ratio of the medians (the
    forward pass timed ``repeats`` times, each decoding ``DECODE_REPEATS`` times, right after it)."""
    batch = coco_mini(cfg, size, train=False, n=1)
    for name, m in (('MDN3', 3), ('L1', None)):
        model = build(cfg, size, m, flip_test=False)[0].eval()
        head = model.head
        data = model.data_preprocessor(copy.copy(batch), training=False)
        with torch.no_grad():
            maps = head.forward_last(model.extract_feat(data['inputs']))
        untrained = {k: v.float().sigmoid().clamp(1e-4, 1 - 1e-4) if 'heatmap' in k else v for k, v in maps.items()}
        sources = dict(annotated=dict(untrained, **annotated_heatmaps(model, data['data_samples'][0])),
                       untrained=untrained)
        with torch.no_grad():
            forward = timed_rounds(dict(forward=lambda: head.forward_last(model.extract_feat(data['inputs']))),
                                   size.warmup, size.repeats, clock)['forward']
            for (heatmaps, probs), refine in itertools.product(sources.items(), (True, False)):
                head.decoder.refine = refine
                decode = timed_rounds(dict(decode=lambda: head.predict_by_feat(dict(probs), model.test_cfg)), 2,
                                      DECODE_REPEATS, clock)['decode']
                n = len(head.predict_by_feat(dict(probs), model.test_cfg)[0])
                rows.setdefault('decode', []).append(
                    [size.label, name, heatmaps, 'on' if refine else 'off', n, ms(forward), ms(decode),
                     f'{100 * statistics.median(decode) / statistics.median(forward):.2f}'])
        rows.setdefault('forward', {})[name] = forward
        if m:
            rows['mdn_outputs'] = maps['keypoint_offset']


def components_section(cfg, size: Size, rows: dict, clock: Callable[[], float]) -> None:
    """The component rule on MDN3's outputs at the top-100 centres vs at every output pixel (after ``decode``)."""
    from mmpose_mdn.models.utils import mdn_parameters, select_component
    if 'mdn_outputs' not in rows:
        raise ValueError('the components section needs the decode section (its MDN3 outputs and forward times)')
    M, K = 3, 17
    dense = rows.pop('mdn_outputs').float().flatten(2).transpose(1, 2)  # (1, H*W, C)
    at_centres = dense[:, :100]

    def rule(values):
        return select_component(*mdn_parameters(values, M, K, 10.0), 'max')

    calls = dict(centres=lambda: rule(at_centres), pixels=lambda: rule(dense))
    with torch.no_grad():
        times = timed_rounds(calls, 2, DECODE_REPEATS, clock)
    forward = statistics.median(rows['forward']['MDN3'])
    for where, n in (('centres', at_centres.shape[1]), ('pixels', dense.shape[1])):
        rows.setdefault('components', []).append(
            [size.label, f'{n} {where}', ms(times[where]), f'{100 * statistics.median(times[where]) / forward:.2f}'])


def targets_section(cfg, size: Size, rows: dict, clock: Callable[[], float]) -> None:
    from mmpose.registry import KEYPOINT_CODECS
    codec = KEYPOINT_CODECS.build(with_input_size(cfg.codec.to_dict(), size.input_size))
    rng = np.random.default_rng(0)
    people = {n: people_in_frame(n, size.input_size, rng) for n in PEOPLE}
    calls = {n: (lambda p=p: codec.encode(p[0], p[1], bbox=p[2])) for n, p in people.items()}
    times = timed_rounds(calls, 2, DECODE_REPEATS, clock)
    step = statistics.median(rows['train_times']['L1']) if 'train_times' in rows else None
    workers = cfg.train_dataloader.num_workers
    for n in PEOPLE:
        enc = statistics.median(times[n])
        share = f'{100 * size.batch * enc / (workers * step):.2f}' if step else '-'
        rows.setdefault('targets', []).append([size.label, n, ms(times[n]), size.batch, workers, share])


# ------------------------------------------------------------------------------------------------ report
HEADERS = dict(
    train=('Training step: L1 vs MDN (forward + backward + Adam)',
           ['size', 'batch', 'offsets', 'step ms, median (min-max)', 'x L1', 'peak memory MiB']),
    inference=('Inference, packed image to predictions in image pixels (batch 1, untrained heads)',
               ['size', 'refine', 'flip-test L1 ms', 'flip-free MDN3 ms', 'MDN3 / flip L1']),
    decode=('Decoding (top-100 centres, K = 17) as a share of the forward pass (batch 1)',
            ['size', 'head', 'heatmaps', 'refine', 'people decoded', 'forward ms', 'decode ms',
             'decode % of forward']),
    components=('MDN3 component selection (activations + rule "max")',
                ['size', 'evaluated at', 'ms', '% of forward']),
    targets=('Target generation: CenterNetPose.encode per image vs the L1 training step',
             ['size', 'people', 'encode ms', 'batch', 'workers', 'batch encode / workers, % of step']),
)


def read_tables(text: str) -> Dict[str, List[List[str]]]:
    """Section title -> rows (cells) of the tables of a Markdown file this script wrote."""
    out, title = {}, None
    for line in text.splitlines():
        if line.startswith('## '):
            title = line[3:]
            out[title] = []
        elif line.startswith('| ') and title and not line.startswith(('| size', '| ---')):
            out[title].append([cell.strip() for cell in line.strip('|').split('|')])
    return out


# section -> (key columns, compared column) of the before/after table
COMPARED = dict(train=((0, 2), 4), inference=((0, 1), 4), decode=((0, 1, 2, 3), 7), targets=((0, 1), 2))


def comparison(rows: dict, baseline: Path) -> List[str]:
    """Rows of the before/after table: each row of the baseline run (the same script on an older commit) beside
    this run's row with the same key."""
    before = read_tables(baseline.read_text())
    name = baseline.relative_to(ROOT) if baseline.is_relative_to(ROOT) else baseline
    lines = [f'## Before and after: `{name}` (before) vs this run', '',
             '| table | row | compared | before | after |', '| --- | --- | --- | --- | --- |']
    for key, (cols, col) in COMPARED.items():
        title, header = HEADERS[key]
        after = {tuple(r[c] for c in cols): r[col] for r in rows.get(key, [])}
        for row in before.get(title, []):
            k = tuple(row[c] for c in cols)
            if k in after:
                lines.append(f'| {key} | {" / ".join(k)} | {header[col]} | {row[col]} | {after[k]} |')
    return lines + ['']


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else ``platform.processor()``."""
    info = Path('/proc/cpuinfo')
    return next((line.split(':', 1)[1].strip() for line in info.read_text().splitlines()
                 if line.startswith('model name')), platform.processor()) if info.exists() else platform.processor()


def markdown(rows: dict, command: str, threads: int, baseline: Optional[Path], started: str, load: tuple,
             elapsed: float) -> str:
    """The Markdown report of a run's ``rows``: the machine, how it was timed, a table per section, and with a
    ``baseline`` (this report from an older commit) the before/after table."""
    cpu = cpu_name()
    lines = [
        '# Speed: MDN vs the L1 base model, measured side by side', '',
        f'Produced by `{command}` on {started} in {elapsed / 60:.1f} min.', '',
        f'- machine: {cpu}, {os.cpu_count()} cores visible, {platform.system()} {platform.release()}; '
        f'torch {torch.__version__}, `torch.set_num_threads({threads})`',
        f'- load average (1 min) at the start and the end: {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores'
        + (': other work shared the machine' if max(load) > 1 else ''),
        ('- no GPU on this machine' if not torch.cuda.is_available() else '- a GPU is present but not used') +
        ': CPU only, the GPU figures (LargeHG at 512, fp32 vs AMP) are not measured',
        ('- timing: CPU time of the measuring thread (all of torch\'s work runs on it with one thread; a loaded '
         'machine\'s waits for a core are not counted)' if threads == 1 else '- timing: wall time') + '; '
        'warm-up calls, then rounds of one call per function in a '
        'rotated order; median (min-max); ratios are medians of per-round ratios', '']
    for key, (title, header) in HEADERS.items():
        if key not in rows:
            continue
        lines += [f'## {title}', '', '| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
        lines += ['| ' + ' | '.join(map(str, row)) + ' |' for row in rows[key]]
        lines.append('')
    if baseline:
        lines += comparison(rows, baseline.resolve())
    return '\n'.join(lines)


SECTION_RUNS = dict(train=train_section, inference=inference_section, decode=decode_section,
                    components=components_section, targets=targets_section)


def measure(sizes: List[Size], sections, threads: int = 1) -> dict:
    """Every section of ``sections`` (in :data:`SECTIONS`' order) at every size: table -> rows. Timed on the calling
    thread's CPU time with one torch thread, else on wall time."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmpose_mdn  # noqa: F401  registers the plugin
    init_default_scope('mmpose')
    torch.set_num_threads(threads)
    clock = time.thread_time if threads == 1 else time.perf_counter
    rows: dict = {}
    for size in sizes:
        print(f'--- {size.label}', flush=True)
        cfg = Config.fromfile(ROOT / size.config)
        size_rows: dict = {}
        for section in SECTIONS:
            if section in sections:
                SECTION_RUNS[section](cfg, size, size_rows, clock)
        for key in ('train_times', 'forward', 'mdn_outputs'):  # shared between sections, not tables
            size_rows.pop(key, None)
        for key, value in size_rows.items():
            rows.setdefault(key, []).extend(value)
    return rows
