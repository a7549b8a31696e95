import type { Tracking } from '../../tracking/index.js';
import { searchExperiments } from '../../tracking/search/experiment-search.js';
import { searchRuns } from '../../tracking/search/run-search.js';
import { optInt, optStr, strList, type Message } from './input.js';
import type { Rpc } from './rpc.js';

/** search-runs and search-experiments. As in proto JSON, empty lists and absent tokens are left out. */
export function searchRpcs(t: Tracking): Rpc[] {
  const experimentsSearch = async (m: Message) => {
    const found = await searchExperiments(t.ctx, t.experiments, {
      filter: optStr(m, 'filter'),
      viewType: optStr(m, 'view_type'),
      maxResults: optInt(m, 'max_results'),
      orderBy: strList(m, 'order_by'),
      pageToken: optStr(m, 'page_token'),
    });
    return {
      ...(found.experiments.length > 0 && { experiments: found.experiments }),
      ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
    };
  };
  return [
    {
      method: 'POST',
      path: '/mlflow/runs/search',
      handler: async (m) => {
        const found = await searchRuns(t.ctx, t.runs, {
          experimentIds: strList(m, 'experiment_ids'),
          filter: optStr(m, 'filter'),
          runViewType: optStr(m, 'run_view_type'),
          maxResults: optInt(m, 'max_results'),
          orderBy: strList(m, 'order_by'),
          pageToken: optStr(m, 'page_token'),
        });
        return {
          ...(found.runs.length > 0 && { runs: found.runs }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    { method: 'GET', path: '/mlflow/experiments/search', handler: experimentsSearch },
    { method: 'POST', path: '/mlflow/experiments/search', handler: experimentsSearch },
  ];
}
