#!/usr/bin/env bash
# Packs every publishable package with `pnpm pack`, installs the tarballs into an empty project with npm,
# then imports each one from Node (ESM) and type-checks an import of each with tsc: proves the packages
# install and work on their own, with types, outside the monorepo. The `fm` command (apps/cli) is packed
# and installed with them (PACK_CLI=0 skips it), and `fm --help` and `fm demo` run from that project.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(${PACK_PACKAGES:-data layers train eval})
work=$(mktemp -d "${TMPDIR:-/tmp}/fm-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/project"
for p in "${pkgs[@]}"; do
  (cd "$root/packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
cli=${PACK_CLI:-1}
if [ "$cli" = 1 ]; then (cd "$root/apps/cli" && pnpm pack --pack-destination "$work/tarballs" >/dev/null); fi
cd "$work/project"
cat > package.json <<'JSON'
{ "name": "fm-pack-check", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz typescript@5.9.3 @types/node@20 >/dev/null
for p in "${pkgs[@]}"; do
  node --input-type=module -e "
    const m = await import('@fm/$p');
    const names = Object.keys(m);
    if (names.length === 0) { console.error('@fm/$p exports nothing'); process.exit(1); }
    console.log('@fm/$p imports: ' + names.length + ' exports (' + names.slice(0, 6).join(', ') + ', ...)');
  "
  printf "import * as m from '@fm/%s';\nexport const n: number = Object.keys(m).length;\n" "$p" > "check-$p.ts"
done
# Typed uses of each package's main entry points: wrong or missing declarations fail here.
cat > check-typed.ts <<'TS'
import { FieldSchema, SparseDataset } from '@fm/data';
import { createModel, type ModelKind } from '@fm/layers';
import { fit, type FitResult } from '@fm/train';
import { rmse, hitRateAtK } from '@fm/eval';
const schema = new FieldSchema([{ name: 'user', kind: 'categorical', cardinality: 3 }, { name: 'item', kind: 'categorical', cardinality: 4 }]);
export const n: number = schema.numFeatures;
export const kind: ModelKind = 'fm';
export const model = createModel(kind, { fieldDims: schema.fieldDims });
export const ds: SparseDataset | undefined = undefined;
export const run: (d: SparseDataset) => Promise<FitResult> = (d) => fit(model, d);
export const e: number = rmse([1, 2], [1, 3]) + hitRateAtK([1, 2], new Set([2]), 1);
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "include": ["check-*.ts"] }
JSON
npx tsc -p tsconfig.json
echo "pack check: ${pkgs[*]} packed, installed, imported and type-checked"
if [ "$cli" = 1 ]; then
  # The command as an npm user gets it: the bin on the path of the project, run from there.
  npx --no-install fm --version
  npx --no-install fm --help | grep -q '^  demo ' || { echo "fm --help does not list demo"; exit 1; }
  start=$(date +%s)
  npx --no-install fm demo --out demo-out > demo.log 2>&1 || { tail -20 demo.log; exit 1; }
  grep -q 'saved the model to' demo.log || { tail -20 demo.log; echo "fm demo did not save its model"; exit 1; }
  npx --no-install fm recommend --model demo-out/model --user 1 --k 3 > /dev/null
  echo "pack check: fm installed from its tarball; fm --help, fm demo ($(( $(date +%s) - start )) s) and fm recommend ran"
fi
