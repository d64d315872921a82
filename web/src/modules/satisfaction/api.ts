// The satisfaction pages' requests (满意度): the dashboard, per-question figures and the ranking
// export; ratings with comments, one rating and its case, suspect-rating reviews, ratings entered
// from the console; collection points and the public address their QR codes carry.
import { api, request, type Page, type Query } from '../../api'
import { download } from '../../shared/download'
import type {
  CommentRow,
  Dashboard,
  EnteredRating,
  FormTemplate,
  Point,
  PublicAddress,
  PublicSurvey,
  QuestionFigures,
  RatingDetail,
  IntegrityFigures,
  ReviewCounts,
  ReviewEpisode,
  ReviewRow,
} from './model'

// ---- figures ----
export function getDashboard(q: Query): Promise<Dashboard> {
  return api.get<Dashboard>('/api/v1/satisfaction/dashboard', q)
}
/** Ratings received, held and rejected per child unit (the integrity figure of the dashboard). */
export function getIntegrity(q: Query): Promise<IntegrityFigures> {
  return api.get<IntegrityFigures>('/api/v1/satisfaction/integrity', q)
}
export function getQuestionFigures(q: Query): Promise<QuestionFigures> {
  return api.get<QuestionFigures>('/api/v1/satisfaction/questions', q)
}
/** The ranking workbook (.xlsx) for the dashboard's node, period and surveys. */
export function downloadRanking(q: Query, name: string): Promise<boolean> {
  return download('/api/v1/satisfaction/ranking.xlsx', q, name)
}
/** The surveys (form templates of kind survey) the filters and points offer. */
export async function listSurveys(): Promise<FormTemplate[]> {
  return (await api.get<{ items: FormTemplate[] }>('/api/v1/forms/templates', { kind: 'survey' })).items ?? []
}

// ---- ratings ----
export function listComments(q: Query, cursor: string | null, limit: number): Promise<Page<CommentRow>> {
  return api.get<Page<CommentRow>>('/api/v1/ratings/comments', { ...q, cursor, limit })
}
export function downloadComments(q: Query, name: string): Promise<boolean> {
  return download('/api/v1/ratings/comments.xlsx', q, name)
}
export function getRating(id: string): Promise<RatingDetail> {
  return api.get<RatingDetail>(`/api/v1/ratings/${id}`)
}
/** Opens a bad-review case for a rating by hand. */
export function openRatingCase(id: string): Promise<unknown> {
  return api.post(`/api/v1/ratings/${id}/case`, {})
}
/** Records a rating collected by phone, opinion box or kiosk (评价录入). */
export function enterRating(body: Record<string, unknown>): Promise<EnteredRating> {
  return api.post<EnteredRating>('/api/v1/ratings', body)
}

// ---- reviews of suspect ratings ----
export function listReviews(q: { node: string | null; state: string; episode?: string }, cursor: string | null, limit: number): Promise<Page<ReviewRow>> {
  return api.get<Page<ReviewRow>>('/api/v1/ratings/reviews', { ...q, cursor, limit })
}
/** The review queue by episode (事件: one burst, e.g. one Wi-Fi farm). */
export function listReviewEpisodes(q: { node: string | null; state: string }, cursor: string | null, limit: number): Promise<Page<ReviewEpisode>> {
  return api.get<Page<ReviewEpisode>>('/api/v1/ratings/review-episodes', { ...q, cursor, limit })
}
/** Accepts or rejects every pending rating of an episode at once. */
export function decideEpisode(id: string, decision: 'accept' | 'reject', reason: string): Promise<{ decided: number; skipped: number }> {
  return api.post<{ decided: number; skipped: number }>(`/api/v1/ratings/review-episodes/${id}/review`, { decision, reason })
}
export function getReviewCounts(node: string | null): Promise<ReviewCounts> {
  return api.get<ReviewCounts>('/api/v1/ratings/reviews/counts', { node })
}
/** Accepts (counted in the figures) or rejects a suspect rating, with the reason. */
export function decideReview(ratingId: string, decision: 'accept' | 'reject', reason: string): Promise<unknown> {
  return api.post(`/api/v1/ratings/${ratingId}/review`, { decision, reason })
}

// ---- collection points ----
export function listPoints(q: { node: string | null }, cursor: string | null, limit: number): Promise<Page<Point>> {
  return api.get<Page<Point>>('/api/v1/points', { ...q, cursor, limit })
}
/** The survey a point collects, as the public rating page shows it. */
export async function getPointSurvey(code: string): Promise<PublicSurvey> {
  return (await api.get<{ survey: PublicSurvey }>(`/api/v1/public/points/${encodeURIComponent(code)}`)).survey
}
export function createPoint(body: Record<string, unknown>): Promise<Point> {
  return api.post<Point>('/api/v1/points', body)
}
export function updatePoint(id: string, change: { template_id?: string | null; active?: boolean }): Promise<unknown> {
  return api.patch(`/api/v1/points/${id}`, change)
}
/** Sets the survey of every point of a kind under a node; answers how many changed. */
export function setPointsTemplate(body: { node_id: string | null; template_id: string | null; kind: string }): Promise<{ updated: number }> {
  return api.post<{ updated: number }>('/api/v1/points/template', body)
}
export function getPublicAddress(): Promise<PublicAddress> {
  return api.get<PublicAddress>('/api/v1/settings/public-url')
}
export function setPublicAddress(url: string): Promise<PublicAddress> {
  return request<PublicAddress>('PUT', '/api/v1/settings/public-url', { json: { url } })
}

// ---- this browser ----
/** Marks this browser's device id as a staff device (ratings from it are held for review). */
export function markDevice(device: string): Promise<unknown> {
  return api.post('/api/v1/devices/mark', { device }, { noAuthRedirect: true })
}
