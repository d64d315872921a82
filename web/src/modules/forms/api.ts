// The forms engine's requests: templates (list, one with its draft and versions), a stored
// response (submit, one, list) and scoring a draft without storing.
import { api, request } from '../../api'
import type { FormAnswer, FormKind, FormPhoto, FormResponse, FormResponseSummary, FormTemplate, FormTemplateDetail, ScoreResult } from './model'

export async function listTemplates(kind?: FormKind): Promise<FormTemplate[]> {
  return (await api.get<{ items: FormTemplate[] }>('/api/v1/forms/templates', kind ? { kind } : undefined)).items ?? []
}

export function getTemplate(id: string): Promise<FormTemplateDetail> {
  return api.get<FormTemplateDetail>(`/api/v1/forms/templates/${id}`)
}

export interface Submission {
  template_id: string
  node_id: string
  subject?: string
  answers: Record<string, FormAnswer>
  notes?: Record<string, string>
}

/** POST /api/v1/forms/responses: scored by the server and stored, immutable. */
export function submitResponse(s: Submission): Promise<FormResponse> {
  return api.post<FormResponse>('/api/v1/forms/responses', s)
}

export function getResponse(id: string): Promise<FormResponse> {
  return api.get<FormResponse>(`/api/v1/forms/responses/${id}`)
}

export async function listResponses(q: { template?: string; node?: string; kind?: FormKind; cursor?: string } = {}): Promise<{ items: FormResponseSummary[]; next_cursor: string | null }> {
  return api.get('/api/v1/forms/responses', q as Record<string, string>)
}

/** POST /api/v1/forms/score against a template's draft: the result per item, nothing stored. */
export function scoreDraft(templateId: string, answers: Record<string, FormAnswer>): Promise<ScoreResult> {
  return api.post<ScoreResult>('/api/v1/forms/score', { template_id: templateId, answers })
}

/** POST /api/v1/forms/responses/{id}/photos: one image as evidence of one item (by the submitter, within 24 h). */
export function addPhoto(responseId: string, itemId: string, file: File): Promise<FormPhoto> {
  return request<FormPhoto>('POST', `/api/v1/forms/responses/${responseId}/photos`, { query: { item: itemId, name: file.name }, blob: file })
}

/** Where a stored photo is read from (an <img> with the session cookie). */
export function photoUrl(responseId: string, photoId: string): string {
  return `/api/v1/forms/responses/${responseId}/photos/${photoId}`
}
