import { Link } from '../router.js';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <div className="message warn" role="alert">
      <strong>No page at {path}</strong>
      <span>
        The link may be mistyped or from a newer Trainyard. Go to the <Link to="/experiments">experiments</Link>.
      </span>
    </div>
  );
}
